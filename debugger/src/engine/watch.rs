//! Watchpoints and the places they watch. A watch expression is a path resolved in the
//! selected frame when the watch is set: `name` (an argument or local of the frame, else
//! a field of its receiver, else a global), `self.field`, or `name.field.field...`
//! through object fields. The result is a location (a frame's variable, an object's
//! field, a global) whose value is read at every boundary: a watch stops where the
//! value differs from the one at the previous boundary.

use som_vm::introspect::{ValueRef, View, WriteLog};

/// A place whose value can be read at any boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A variable of one activation (by its unique id); `context` holds its captured
    /// variables (blocks write those).
    Local {
        frame_id: u64,
        /// Activations on the stack up to and including this one.
        depth: usize,
        name: String,
        context: Option<ValueRef>,
    },
    /// Field `index` of an object.
    Field {
        object: ValueRef,
        index: usize,
        name: String,
    },
    Global {
        name: String,
    },
}

impl Location {
    /// The value at the current boundary (`None`: the frame is not live).
    pub fn read(&self, vm: &View<'_>) -> Option<ValueRef> {
        match self {
            Location::Local { frame_id, name, .. } => {
                vm.level_of(*frame_id).and_then(|l| vm.variable(l, name))
            }
            Location::Field { object, index, .. } => vm.field_value(*object, *index),
            Location::Global { name } => vm.global(name),
        }
    }

    /// Whether a stretch of the run with this write log may have changed the value.
    pub fn may_change(&self, writes: &WriteLog) -> bool {
        match self {
            Location::Local {
                frame_id,
                depth,
                context,
                ..
            } => {
                writes.may_run_frame(*frame_id, *depth)
                    || context.is_some_and(|c| writes.may_write_object(c))
            }
            Location::Field { object, index, .. } => writes.may_write_field(*object, *index),
            Location::Global { .. } => writes.may_write_globals(),
        }
    }

    pub fn describe(&self, vm: &View<'_>) -> String {
        match self {
            Location::Local { name, .. } => format!("local {name}"),
            Location::Field { object, name, .. } => {
                format!("field {name} of {}", vm.describe(*object))
            }
            Location::Global { name } => format!("global {name}"),
        }
    }
}

/// A watchpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    pub id: usize,
    pub expr: String,
    pub location: Location,
}

/// Resolves a watch path in frame `level` to a location.
pub fn resolve(vm: &View<'_>, level: usize, expr: &str) -> Result<Location, String> {
    let parts: Vec<&str> = expr.split('.').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty() || !is_identifier(p)) {
        return Err(format!(
            "cannot watch '{expr}': expected a variable, self.field or name.field path"
        ));
    }
    if vm.depth() == 0 {
        return Err("the program has ended: nothing to watch".into());
    }
    let frame = vm.frame(level);
    let (mut location, rest) = match parts[0] {
        "self" if parts.len() > 1 => (None, &parts[1..]),
        first => (
            Some(first_location(vm, level, frame.id, frame.receiver, first)?),
            &parts[1..],
        ),
    };
    let mut object = frame.receiver;
    for (i, field) in rest.iter().enumerate() {
        if let Some(loc) = &location {
            object = loc
                .read(vm)
                .ok_or_else(|| format!("cannot watch '{expr}': no value"))?;
        }
        let index = vm.field_index(object, field).ok_or_else(|| {
            format!(
                "cannot watch '{expr}': {} has no field '{field}'",
                vm.describe(object)
            )
        })?;
        location = Some(Location::Field {
            object,
            index,
            name: field.to_string(),
        });
        let _ = i;
    }
    location.ok_or_else(|| format!("cannot watch '{expr}'"))
}

fn first_location(
    vm: &View<'_>,
    level: usize,
    frame_id: u64,
    receiver: ValueRef,
    name: &str,
) -> Result<Location, String> {
    if vm.variable(level, name).is_some() {
        return Ok(Location::Local {
            frame_id,
            depth: vm.depth() - level,
            name: name.to_string(),
            context: vm.frame_context(level),
        });
    }
    if let Some(index) = vm.field_index(receiver, name) {
        return Ok(Location::Field {
            object: receiver,
            index,
            name: name.to_string(),
        });
    }
    if vm.global(name).is_some() || name.starts_with(char::is_uppercase) {
        return Ok(Location::Global {
            name: name.to_string(),
        });
    }
    Err(format!(
        "cannot watch '{name}': no such variable, field or global here"
    ))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Detects changes of a location's value from one boundary to the next. A boundary
/// at or before the previous one starts a new segment (scans restart at checkpoints).
pub(crate) struct ChangeDetector {
    pub location: Location,
    prev: Option<(u64, Option<ValueRef>)>,
}

impl ChangeDetector {
    pub fn new(location: Location) -> ChangeDetector {
        ChangeDetector {
            location,
            prev: None,
        }
    }

    /// Starts comparing from a known value at `step`.
    pub fn seed(&mut self, step: u64, value: Option<ValueRef>) {
        self.prev = Some((step, value));
    }

    /// Whether the value at this boundary differs from the previous boundary's.
    pub fn changed(&mut self, vm: &View<'_>, step: u64) -> bool {
        let now = self.location.read(vm);
        let changed = match self.prev {
            Some((s, before)) if s < step => before != now,
            _ => false,
        };
        self.prev = Some((step, now));
        changed
    }
}
