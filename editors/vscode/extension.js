// The SOM debug extension: starts `som-dbg dap` (the Debug Adapter Protocol server of
// tiered-som) for the `som` debug type, and fills in a launch configuration for the
// open .som file when there is no launch.json (press F5 on a .som file).
'use strict';
const vscode = require('vscode');

class SomAdapterFactory {
  createDebugAdapterDescriptor(_session) {
    const path = vscode.workspace.getConfiguration('som').get('debuggerPath') || 'som-dbg';
    return new vscode.DebugAdapterExecutable(path, ['dap']);
  }
}

class SomConfigurationProvider {
  resolveDebugConfiguration(_folder, config) {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.languageId === 'som') {
        config.type = 'som';
        config.name = 'Debug the current SOM file';
        config.request = 'launch';
        config.program = '${file}';
      }
    }
    if (!config.program && !config.trace) {
      return vscode.window
        .showInformationMessage('Open a .som file (or set "program" or "trace" in launch.json) to debug it.')
        .then(() => undefined);
    }
    return config;
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('som', new SomAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider('som', new SomConfigurationProvider()),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
