/**
 * `npm run bench`: every benchmark reports a ratio against a baseline measured in the same
 * process, never an absolute time judged on its own.
 */
const benches: { name: string; run: () => Promise<void> }[] = [];

for (const b of benches) {
  console.log(`== ${b.name}`);
  await b.run();
}
if (benches.length === 0) console.log("No benchmarks yet.");
