/**
 * One word for /bin/sh, as printed in messages and hook commands: left bare when it holds only
 * characters the shell never treats specially (so `--state ./a.json` reads naturally), else in
 * single quotes, each inner `'` written `'\''`. `=` is not in the bare set, so a word can never
 * be read as a variable assignment when it comes first on a command line.
 */
export function shellQuote(word: string): string {
  return /^[\w./@:-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
