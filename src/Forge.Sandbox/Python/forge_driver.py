# Forge's warm Python driver: a persistent interpreter that runs snippets on request.
# Protocol on the original stdin/stdout: frames of a 4-byte big-endian length and a UTF-8 JSON body.
#   driver → host at start:  {"ready": true, "pid": N, "python": "3.11.2"}
#   host → driver:           {"code": str, "stdin": str|null, "timeout": seconds, "output_limit": bytes}
#   driver → host:           {"exit_code": int, "signal": int|null, "stdout": str, "stderr": str, "truncated": bool,
#                             "stopped": "deadline"|"output"|null, "exception": str|null, "errno": int|null, "duration_ms": float}
# Each snippet runs in a forked child with fresh globals as __main__, in its own process group: nothing it does (monkey
# patching, os._exit, a crash) reaches the driver or the next snippet, and whatever it leaves running dies with it.
# Started with the argument "session", the driver is a stateful session instead (a notebook kernel): snippets run in
# the driver itself, in one __main__ namespace kept from call to call; the deadline interrupts the snippet (SIGALRM),
# output goes to temporary files read back up to the cap. A snippet that kills the process ends the session.
import builtins, errno as _errno, io, json, os, select, signal, struct, sys, time, traceback, types

_SESSION = sys.argv[1:] == ["session"]

_IN = os.dup(0)
_OUT = os.dup(1)
_null = os.open(os.devnull, os.O_RDWR)
os.dup2(_null, 0)
os.dup2(2, 1)
os.close(_null)
for _m in ("json", "re", "math", "collections", "itertools", "functools", "string", "random", "heapq", "bisect"):
    __import__(_m)


def _read_exact(n):
    chunks = []
    while n:
        chunk = os.read(_IN, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_frame():
    header = _read_exact(4)
    if header is None:
        return None
    body = _read_exact(struct.unpack(">I", header)[0])
    return None if body is None else json.loads(body.decode("utf-8"))


def _write_frame(obj):
    body = json.dumps(obj).encode("utf-8")
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(_OUT, data):]


def _child(code, fds):
    in_r, out_w, err_w, st_w = fds
    status = 1
    try:
        os.setpgid(0, 0)
        os.dup2(in_r, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        for fd in (in_r, out_w, err_w, _IN, _OUT):
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True)
        sys.argv = ["-c"]
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = main
        exec(compile(code, "<snippet>", "exec"), main.__dict__)
        status = 0
    except SystemExit as e:
        if e.code is None:
            status = 0
        elif isinstance(e.code, int):
            status = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            status = 1
    except BaseException as e:
        try:
            os.write(st_w, json.dumps({"exception": type(e).__name__, "errno": getattr(e, "errno", None)}).encode())
            traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        except BaseException:
            pass
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(status)


def _run(request):
    code = request.get("code", "")
    stdin = (request.get("stdin") or "").encode("utf-8")
    limit = int(request.get("output_limit", 1 << 20))
    start = time.monotonic()
    deadline = start + float(request.get("timeout", 10))
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    st_r, st_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(in_w); os.close(out_r); os.close(err_r); os.close(st_r)
        _child(code, (in_r, out_w, err_w, st_w))
    for fd in (in_r, out_w, err_w, st_w):
        os.close(fd)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    buffers = {out_r: bytearray(), err_r: bytearray(), st_r: bytearray()}
    readers = set(buffers)
    writers = {in_w} if stdin else set()
    if not stdin:
        os.close(in_w)
    else:
        os.set_blocking(in_w, False)
    try:
        exit_fd = os.pidfd_open(pid)  # readable once the child has exited
    except (AttributeError, OSError):
        exit_fd = None
    stopped, truncated, status, exited_at = None, False, None, None
    while True:
        now = time.monotonic()
        if status is None:
            waited, raw = os.waitpid(pid, os.WNOHANG)
            if waited:
                status, exited_at = raw, now
        if status is not None and (not readers or now - exited_at > 0.05):
            break
        if now >= deadline:
            stopped = "deadline"
            break
        if status is not None:
            wait = 0.01
        elif exit_fd is None and not readers:
            wait = 0.001
        else:
            wait = deadline - now
        watched = list(readers) + ([exit_fd] if exit_fd is not None and status is None else [])
        ready_r, ready_w, _ = select.select(watched, list(writers), [], wait)
        for fd in ready_w:
            try:
                written = os.write(fd, stdin)
                stdin = stdin[written:]
            except OSError:
                stdin = b""
            if not stdin:
                writers.discard(fd)
                os.close(fd)
        for fd in ready_r:
            if fd == exit_fd:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                readers.discard(fd)
                continue
            buffers[fd] += chunk
            if fd != st_r and len(buffers[fd]) > limit:
                del buffers[fd][limit:]
                truncated, stopped = True, "output"
        if stopped:
            break
    if exit_fd is not None:
        os.close(exit_fd)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if status is None:
        status = os.waitpid(pid, 0)[1]
    for fd in list(readers) + list(writers):
        os.close(fd)
    for fd in (out_r, err_r, st_r):
        if fd not in readers:
            os.close(fd)
    report = {}
    if buffers[st_r]:
        try:
            report = json.loads(buffers[st_r].decode("utf-8"))
        except ValueError:
            report = {}
    signaled = os.WIFSIGNALED(status)
    return {
        "exit_code": 128 + os.WTERMSIG(status) if signaled else os.WEXITSTATUS(status),
        "signal": os.WTERMSIG(status) if signaled else None,
        "stdout": buffers[out_r].decode("utf-8", "replace"),
        "stderr": buffers[err_r].decode("utf-8", "replace"),
        "truncated": truncated,
        "stopped": stopped,
        "exception": report.get("exception"),
        "errno": report.get("errno"),
        "duration_ms": (time.monotonic() - start) * 1000.0,
    }


class _Deadline(BaseException):
    pass


class _OutputLimit(BaseException):
    pass


class _CappedFile(io.RawIOBase):
    """Writes to a file descriptor and stops the snippet once more than `limit` bytes were written through it."""

    def __init__(self, fd, limit):
        self.fd, self.left = fd, limit + 1

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)[:max(0, self.left)]
        while data:
            written = os.write(self.fd, data)
            self.left -= written
            data = data[written:]
        if self.left <= 0:
            raise _OutputLimit()
        return len(data) if data else 0


def _on_alarm(signum, frame):
    raise _Deadline()


_namespace = None
_driver_main = sys.modules["__main__"]


def _exit_status(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1


def _read_capped(f, limit):
    f.flush()
    f.seek(0)
    data = f.read(limit + 1)
    return data[:limit].decode("utf-8", "replace"), len(data) > limit


def _run_session(request):
    global _namespace
    if _namespace is None:
        _namespace = types.ModuleType("__main__")
        _namespace.__dict__["__builtins__"] = builtins
    code = request.get("code", "")
    limit = int(request.get("output_limit", 1 << 20))
    start = time.monotonic()
    import tempfile  # here, not at the top: only a session needs it, and importing it slows every driver's start
    files = [tempfile.TemporaryFile() for _ in range(3)]
    files[0].write((request.get("stdin") or "").encode("utf-8"))
    files[0].seek(0)
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    streams = (sys.stdin, sys.stdout, sys.stderr, sys.argv)
    status, stopped, report = 0, None, {}
    try:
        for fd, f in enumerate(files):
            os.dup2(f.fileno(), fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
        sys.stdout = io.TextIOWrapper(_CappedFile(1, limit), encoding="utf-8", errors="backslashreplace", write_through=True)
        sys.stderr = io.TextIOWrapper(_CappedFile(2, limit), encoding="utf-8", errors="backslashreplace", write_through=True)
        sys.argv = ["-c"]
        sys.modules["__main__"] = _namespace
        signal.setitimer(signal.ITIMER_REAL, max(0.001, float(request.get("timeout", 10))))
        try:
            exec(compile(code, "<snippet>", "exec"), _namespace.__dict__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Deadline:
        status, stopped = 128 + signal.SIGKILL, "deadline"
    except _OutputLimit:
        status, stopped = 128 + signal.SIGKILL, "output"
    except SystemExit as e:
        status = _exit_status(e)
    except BaseException as e:
        report = {"exception": type(e).__name__, "errno": getattr(e, "errno", None)}
        try:
            traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        except BaseException:
            pass
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        sys.stdin, sys.stdout, sys.stderr, sys.argv = streams
        sys.modules["__main__"] = _driver_main
        for fd, original in enumerate(saved):
            os.dup2(original, fd)
            os.close(original)
    stdout, out_cut = _read_capped(files[1], limit)
    stderr, err_cut = _read_capped(files[2], limit)
    for f in files:
        f.close()
    truncated = out_cut or err_cut
    return {
        "exit_code": status, "signal": signal.SIGKILL if stopped == "deadline" else None, "stdout": stdout, "stderr": stderr,
        "truncated": truncated, "stopped": stopped or ("output" if truncated else None),
        "exception": report.get("exception"), "errno": report.get("errno"), "duration_ms": (time.monotonic() - start) * 1000.0,
    }


def _main():
    if _SESSION:
        signal.signal(signal.SIGALRM, _on_alarm)
        # Past the file-size limit a write fails (EFBIG) instead of killing the session.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _write_frame({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0], "session": _SESSION})
    while True:
        request = _read_frame()
        if request is None:
            return
        try:
            response = _run_session(request) if _SESSION else _run(request)
        except Exception as e:
            response = {"exit_code": 1, "signal": None, "stdout": "", "stderr": "forge driver: %s: %s\n" % (type(e).__name__, e),
                        "truncated": False, "stopped": None, "exception": "DriverError", "errno": None, "duration_ms": 0.0}
        _write_frame(response)


_main()
