// End-to-end test of `som-dbg dap` driven by @vscode/debugadapter-testsupport's
// DebugClient (the client VS Code's sample adapters are tested with). Usage:
//   SOM_DBG=path/to/som-dbg PROGRAM=path/to/Counter.som [DAP_TRANSCRIPT=file] node test/dap.test.js
// PROGRAM is debugger/tests/programs/Counter.som: `run` loops 1 to: 5 sending `bump:`
// (line 17: count := count + n), fills an Array, sends `total`, prints 15, 55, done.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const SOM_DBG = process.env.SOM_DBG;
const PROGRAM = process.env.PROGRAM && path.resolve(process.env.PROGRAM);
if (!SOM_DBG || !PROGRAM) {
  console.error('set SOM_DBG and PROGRAM');
  process.exit(2);
}
const BUMP_LINE = 17;
const transcript = [];
function saveTranscript() {
  if (process.env.DAP_TRANSCRIPT) {
    fs.writeFileSync(process.env.DAP_TRANSCRIPT, transcript.join('\n') + '\n');
  }
}
process.on('uncaughtException', (e) => {
  console.error('FAILED:', e.stack || e);
  saveTranscript();
  process.exit(1);
});

function client() {
  const dc = new DebugClient(SOM_DBG, 'dap', 'som', {}, true);
  dc.defaultTimeout = 20000;
  const send = dc.doSend.bind(dc);
  dc.doSend = (command, args, clb) => {
    transcript.push('-> ' + JSON.stringify({ command, arguments: args }));
    send(command, args, clb);
  };
  const dispatch = dc.dispatch.bind(dc);
  dc.dispatch = (body) => {
    transcript.push('<- ' + body);
    dispatch(body);
  };
  return dc;
}

async function rejects(promise, pattern, what) {
  try {
    await promise;
  } catch (e) {
    assert.match(e.message, pattern, what);
    return e.message;
  }
  assert.fail(`${what}: expected an error response`);
}

async function top(dc) {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames[0];
}

async function value(dc, expression) {
  const r = await dc.evaluateRequest({ expression, frameId: 1, context: 'repl' });
  return r.body.result;
}

async function stop(dc, request) {
  const [event] = await Promise.all([dc.waitForEvent('stopped'), request]);
  return event.body;
}

async function badLaunches() {
  const dc = client();
  await dc.start();
  await dc.initializeRequest({ adapterID: 'som' });
  await rejects(dc.launchRequest({ program: '/no/such/Missing.som' }), /is not a file/, 'a missing program');
  const broken = path.join(require('os').tmpdir(), `Broken${process.pid}.som`);
  fs.writeFileSync(broken, 'Broken = (\n  run = ( ^ 3 + )\n)\n');
  const why = await rejects(dc.launchRequest({ program: broken }), /Broken/, 'a program with a syntax error');
  await rejects(dc.launchRequest({}), /needs 'program'/, 'a launch without program');
  await rejects(dc.customRequest('fly'), /unknown request 'fly'/, 'an unknown request');
  await rejects(dc.stackTraceRequest({ threadId: 1 }), /no program is launched/, 'a stack before launch');
  await dc.threadsRequest(); // the adapter is still answering
  await dc.stop();
  fs.unlinkSync(broken);
  console.log('bad launches answered with errors:', why.split('\n')[0]);
}

async function session() {
  const dc = client();
  await dc.start();
  const outputs = [];
  dc.on('output', (e) => outputs.push(e.body));

  // launch, a line breakpoint in bump:, continue to it
  await dc.hitBreakpoint({ program: PROGRAM }, { path: PROGRAM, line: BUMP_LINE });
  assert.strictEqual(await value(dc, 'n'), '1');
  assert.strictEqual(await value(dc, 'count'), '0');
  const frame = await top(dc);
  assert.strictEqual(frame.name, 'Counter>>bump:');
  const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
  assert.deepStrictEqual(scopes.map((s) => s.name.split(' ')[0]), ['Arguments', 'Locals', 'Receiver']);
  const args = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
  assert.deepStrictEqual(args.map((v) => [v.name, v.value]), [['n', '1']]);
  const fields = (await dc.variablesRequest({ variablesReference: scopes[2].variablesReference })).body.variables;
  const items = fields.find((v) => v.name === 'items');
  assert.ok(items.variablesReference > 0, 'the Array expands lazily');
  const elements = (await dc.variablesRequest({ variablesReference: items.variablesReference })).body.variables;
  assert.strictEqual(elements.length, 5);

  // continue forwards, then step back and reverse-continue
  let s = await stop(dc, dc.continueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'breakpoint');
  assert.strictEqual(await value(dc, 'n'), '2');
  s = await stop(dc, dc.stepBackRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'step');
  assert.strictEqual((await top(dc)).name, 'Counter>>run', 'stepping back out of bump: lands in run');
  s = await stop(dc, dc.reverseContinueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'breakpoint');
  assert.strictEqual(await value(dc, 'n'), '1', 'reverse-continue finds the first hit');

  // hit conditions count from the start of the recording; conditions run SOM
  await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [{ line: BUMP_LINE, hitCondition: '4' }] });
  s = await stop(dc, dc.continueRequest({ threadId: 1 }));
  assert.strictEqual(await value(dc, 'n'), '4');
  await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [{ line: BUMP_LINE, condition: 'n = 2' }] });
  s = await stop(dc, dc.reverseContinueRequest({ threadId: 1 }));
  assert.strictEqual(await value(dc, 'n'), '2');

  // a data breakpoint on the field count, forwards and backwards
  await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [] });
  const receiver = (await dc.scopesRequest({ frameId: 1 })).body.scopes[2];
  const info = await dc.dataBreakpointInfoRequest({ variablesReference: receiver.variablesReference, name: 'count' });
  assert.ok(info.body.dataId, info.body.description);
  const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId }] });
  assert.ok(set.body.breakpoints[0].verified);
  s = await stop(dc, dc.continueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'data breakpoint');
  assert.match(s.description, /1 -> 3/, 'bump: 2 changes count from 1 to 3');
  s = await stop(dc, dc.reverseContinueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'data breakpoint');
  assert.match(s.description, /0 -> 1/, 'backwards: the change before, 0 to 1');
  await dc.setDataBreakpointsRequest({ breakpoints: [] });

  // lastWrite and origin answer without moving
  const here = (await top(dc)).line;
  const lw = await dc.customRequest('lastWrite', { expression: 'count', frameId: 1 });
  assert.strictEqual(lw.body.selector, 'bump:');
  const origin = await dc.customRequest('origin', { expression: 'items', frameId: 1 });
  assert.strictEqual(origin.body.selector, 'run');
  assert.strictEqual((await top(dc)).line, here);

  // a retroactive logpoint: every hit in the whole recording, without moving
  const before = outputs.length;
  await dc.setBreakpointsRequest({
    source: { path: PROGRAM },
    breakpoints: [{ line: BUMP_LINE, logMessage: 'n={n} count={count}' }],
  });
  await dc.threadsRequest();
  const logged = outputs.slice(before).map((o) => o.output).filter((t) => t.startsWith('[clock'));
  assert.deepStrictEqual(
    logged.map((t) => t.replace(/^\[clock \d+\] /, '').trim()),
    ['n=1 count=0', 'n=2 count=1', 'n=3 count=3', 'n=4 count=6', 'n=5 count=10'],
  );
  assert.strictEqual((await top(dc)).line, here, 'logpoints do not move the replay');

  // a function breakpoint, restartFrame, the custom reverse requests, gotoClock
  await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [] });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'Counter>>total' }] });
  s = await stop(dc, dc.continueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'function breakpoint');
  assert.strictEqual((await top(dc)).name, 'Counter>>total');
  s = await stop(dc, dc.nextRequest({ threadId: 1 }));
  s = await stop(dc, dc.restartFrameRequest({ frameId: 1 }));
  assert.strictEqual(s.reason, 'restart');
  assert.strictEqual((await top(dc)).name, 'Counter>>total');
  s = await stop(dc, dc.customRequest('reverseStepOut', { threadId: 1 }));
  assert.strictEqual((await top(dc)).name, 'Counter>>run');
  s = await stop(dc, dc.customRequest('reverseNext', { threadId: 1 }));
  assert.strictEqual((await top(dc)).name, 'Counter>>run');
  s = await stop(dc, dc.customRequest('gotoClock', { clock: 0 }));
  assert.strictEqual(s.reason, 'goto');

  // requests a replay cannot serve answer why; the session goes on
  await rejects(dc.setVariableRequest({ variablesReference: 1, name: 'n', value: '3' }), /cannot set a variable in a replay/, 'setVariable');
  await rejects(dc.customRequest('gotoClock', { clock: 'soon' }), /bad arguments to 'gotoClock'/, 'a bad argument');

  // to the end: the program's output arrives as output events
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  s = await stop(dc, dc.continueRequest({ threadId: 1 }));
  assert.strictEqual(s.reason, 'end');
  const stdout = outputs.filter((o) => o.category === 'stdout').map((o) => o.output).join('');
  assert.strictEqual(stdout, '15\n55\ndone\n');
  await dc.stop();
  console.log('session: breakpoints, continue, stepBack, reverseContinue, data breakpoints both ways, logpoints, custom requests: ok');
}

(async () => {
  try {
    await badLaunches();
    await session();
  } catch (e) {
    console.error('FAILED:', e.stack || e);
    process.exitCode = 1;
  } finally {
    saveTranscript();
  }
})();
