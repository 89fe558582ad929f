"""The ``fahras`` command: a thin layer over the library.

Output is JSON when ``--json`` is given or when standard output is not a terminal (for
machines), and a readable rendering on a terminal. Errors a user can cause are printed on one
line (``fahras: error: ...``) with a non-zero exit code, never as a traceback. The arguments
are :mod:`fahras.cli.parser`, the commands :mod:`fahras.cli.commands`, what they print
:mod:`fahras.cli.render`.
"""

from __future__ import annotations

import os
import sys

from fahras.errors import FahrasError


def main(argv: list[str] | None = None) -> int:
    from fahras.cli.parser import build_parser
    from fahras.cli.render import terminal_safe

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except FahrasError as e:
        print(f"fahras: error: {terminal_safe(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("fahras: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a file-system state no message foresaw: still one line
        from fahras.fsutil import describe

        print(f"fahras: error: {terminal_safe(describe(e))}", file=sys.stderr)
        return 1
    except MemoryError:
        print("fahras: error: out of memory", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
