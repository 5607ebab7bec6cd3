//! The operand limits of the bytecode (docs/conventions.md, "Limits"): a method that
//! would need a wider operand than its bytecode field holds is refused with a compile
//! error naming the limit, never compiled with a wrapped index.

use super::{err, Activation, CResult};
use crate::front::ast::Pos;

/// Arguments of a method, a block or a send (a send site's count is a byte).
pub(crate) const MAX_ARGS: usize = 255;
/// Frame slots of one activation: `self`, arguments, temporaries (its own and those of
/// the blocks inlined into it) and the hidden slots of inlined loops (`u16` operands).
pub(crate) const MAX_SLOTS: usize = 65_535;
/// Literal blocks, and creator-frame variables, of one activation (`u16` operands).
pub(crate) const MAX_BLOCKS: usize = 65_535;
/// Inlined sites with a fallback in one activation (`u16`, one value reserved).
pub(crate) const MAX_FALLBACKS: usize = 65_534;
/// Blocks with captured variables between a variable's use and its declaration (a
/// context hop count is a byte).
pub(crate) const MAX_HOPS: usize = 255;
/// Instance fields of a class (and class-side fields), inherited ones included.
pub(crate) const MAX_FIELDS: usize = 65_535;

/// A variable reached through `hops` contexts.
pub(super) fn check_hops(hops: usize, pos: Pos) -> CResult<()> {
    if hops > MAX_HOPS {
        return err(
            pos,
            format!("variable reached through too many nested blocks ({hops}, limit {MAX_HOPS})"),
        );
    }
    Ok(())
}

/// A method or block starting at `pos` with `params` parameters.
pub(super) fn check_params(params: usize, pos: Pos) -> CResult<()> {
    if params > MAX_ARGS {
        return err(
            pos,
            format!("too many arguments ({params}, limit {MAX_ARGS})"),
        );
    }
    Ok(())
}

/// A send with `argc` arguments.
pub(super) fn check_send(argc: usize, pos: Pos) -> CResult<()> {
    if argc > MAX_ARGS {
        return err(
            pos,
            format!("too many arguments in one send ({argc}, limit {MAX_ARGS})"),
        );
    }
    Ok(())
}

/// The finished activation's counts.
pub(super) fn check_activation(act: &Activation) -> CResult<()> {
    let counts = [
        (act.slot_names.len(), MAX_SLOTS, "variables (frame slots)"),
        (act.blocks.len(), MAX_BLOCKS, "blocks"),
        (
            act.creator_vars.len(),
            MAX_BLOCKS,
            "variables reached through the creator frame",
        ),
        (act.fallbacks.len(), MAX_FALLBACKS, "inlined sends"),
    ];
    for (n, limit, what) in counts {
        if n > limit {
            let place = if act.is_block { "block" } else { "method" };
            return err(
                act.pos,
                format!("too many {what} in one {place} ({n}, limit {limit})"),
            );
        }
    }
    Ok(())
}
