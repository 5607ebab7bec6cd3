"""gdb commands for the som VM. Load with `source scripts/som-gdb.py` (or add that line
to ~/.gdbinit), then, with a `som` program stopped anywhere:

    som-bt      the SOM stack, innermost first: `#N Class>>selector (file:line) [tier T]`

gdb's own `bt` shows interpreted SOM frames only as the dispatch loop; `som-bt` reads the
VM's activations (interpreted and tier-1 alike) by calling `som_gdb_backtrace` in the
program, so the program must be stopped with a live process (not a core file).
"""

import gdb


class SomBacktrace(gdb.Command):
    """Print the SOM stack of the stopped som program, innermost first."""

    def __init__(self):
        super().__init__("som-bt", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        if argument.strip():
            raise gdb.GdbError("som-bt takes no arguments")
        # The stopped frame is usually Rust; the call is written in C.
        language = gdb.parameter("language")
        gdb.execute("set language c", to_string=True)
        try:
            text = gdb.parse_and_eval(
                "((const char *(*)(void)) som_gdb_backtrace)()"
            ).string()
        except gdb.error as e:
            raise gdb.GdbError(
                "som-bt: cannot call som_gdb_backtrace in the program "
                "(is it the som binary, and stopped?): %s" % e
            )
        finally:
            gdb.execute("set language %s" % language, to_string=True)
        gdb.write(text)


SomBacktrace()
