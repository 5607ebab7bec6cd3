//! Running a program: bootstrap, load the main class, send `system initialize: args`,
//! and turn the outcome (normal end, `system exit:`, SOM error, load error) into an exit
//! status and messages.

use crate::runtime::error::{LoadError, Unwind};
use crate::runtime::vm::{Options, Vm};
use crate::tier0::Flow;
use crate::value::Value;
use std::path::Path;

impl Vm {
    /// A VM with the core library loaded.
    pub(crate) fn boot(options: Options) -> Result<Vm, LoadError> {
        let mut vm = Vm::empty(options);
        vm.bootstrap()?;
        Ok(vm)
    }

    /// Runs `file` with `args`; answers the exit status.
    pub(crate) fn run_program(&mut self, file: &Path, args: &[String]) -> i32 {
        crate::native::debuginfo::publish_program_vm(self);
        let result = self.start(file, args);
        crate::native::debuginfo::publish_program_vm(std::ptr::null_mut());
        self.output.flush();
        match result {
            Ok(_) => 0,
            Err(Unwind::Exit(code)) => code,
            Err(Unwind::Error(e)) => {
                self.output.error_print(&e.to_string());
                1
            }
            Err(Unwind::Load(e)) => report_load_error(self, &e),
            Err(Unwind::Pause) => 0,
        }
    }

    fn start(&mut self, file: &Path, args: &[String]) -> Result<Value, Unwind> {
        match self.prepare(file, args)? {
            Some(v) => Ok(v),
            None => self.execute(0),
        }
    }

    /// Loads the main class and sends `system initialize: args`: answers the result
    /// when the send finished at once, `None` when frames are ready to execute.
    pub(crate) fn prepare(
        &mut self,
        file: &Path,
        args: &[String],
    ) -> Result<Option<Value>, Unwind> {
        self.load_class_file(file).map_err(Unwind::Load)?;
        let class_name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let mut all = vec![class_name];
        all.extend(args.iter().cloned());
        let array = self.new_array(vec![Value::NIL; all.len()]);
        self.temp_roots.push(array);
        for (i, a) in all.iter().enumerate() {
            let s = self.new_string(a);
            if let crate::object::heap::Body::Array(v) = &mut self.heap.get_mut(array).body {
                v[i] = s;
            }
        }
        self.temp_roots.pop();
        self.stack.push(self.system_object);
        self.stack.push(array);
        let sel = self.intern("initialize:");
        match self.send_selector(sel, 1)? {
            Flow::Switch => Ok(None),
            Flow::Continue => Ok(Some(self.stack.pop().unwrap_or(Value::NIL))),
        }
    }
}

/// The program's directory joins the class path (after `-cp`), as in every SOM VM.
pub(crate) fn add_program_dir(options: &mut Options, file: &Path) {
    if let Some(dir) = file.parent() {
        let dir = if dir.as_os_str().is_empty() {
            std::path::PathBuf::from(".")
        } else {
            dir.to_path_buf()
        };
        options.class_path.push(dir);
    }
}

/// Prints a load error; syntax errors exit with status 2.
pub(crate) fn report_load_error(vm: &mut Vm, e: &LoadError) -> i32 {
    vm.output.error_print(&format!("{e}\n"));
    match e {
        LoadError::Syntax { .. } => 2,
        LoadError::Other(_) => 1,
    }
}
