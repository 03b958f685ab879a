#!/usr/bin/env node
// `npm start` will run `strata serve` once the protocol server lands (issue 3).
// Until then it says so plainly instead of pretending to serve.
console.error('strata: the Kafka protocol server is not built yet; `npm start` has nothing to run.');
console.error('strata: what exists today is the partition log and native addon (see README.md).');
process.exit(1);
