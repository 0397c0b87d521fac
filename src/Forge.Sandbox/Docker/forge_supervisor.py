# Forge's sandbox supervisor: PID 1 of every Docker sandbox container. It starts every command of the container's
# episodes, so that none needs a `docker exec` (each costs the engine, containerd and runc tens of milliseconds).
#
# It runs as root with only KILL, SETUID, SETGID and SETPCAP (the container drops every other capability and sets
# no-new-privileges), and each command it starts runs as the sandbox's user: no supplementary groups, an empty
# capability bounding set, its own process group, the CPU-time limit, stdin from a pipe or /dev/null and stdout and
# stderr on pipes; close_fds leaves the child nothing else. So code in the sandbox can't signal, ptrace or read the
# supervisor (another uid), can't reach its stdin and stdout (the container's attached stream, which only the host
# holds), and shares no writable path with it (it writes none).
#
# It is also the container's init: it reaps every orphan, so none piles up as a zombie against the pids limit.
#
# Protocol, on the attached stdin and stdout: frames of a 9-byte header (payload length u32, kind u8, id u32, all
# big-endian) and the payload.
#   host -> supervisor: S spawn (JSON: argv, env, deadline seconds or 0, cap bytes per stream or 0, stdin true/false),
#                       I stdin bytes, C close stdin, K kill the command's process group,
#                       A kill every process (answered by D), G read the cgroup counters (answered by D, the text).
#   supervisor -> host: H hello (id 0, once), O stdout bytes, E stderr bytes,
#                       X exit (JSON: code, 128 + signal when killed; stopped: "deadline", "output" or null),
#                       D done (the answer to A or G).
# The deadline and the output cap are enforced here, so they hold even when the host is slow or gone. When its stdin
# ends (the host let go of the container), the supervisor kills everything and exits, which stops the container.
import ctypes, errno, json, os, resource, selectors, signal, struct, subprocess, sys, time

CONFIG = json.loads(sys.argv[1])
UID, GID = CONFIG["uid"], CONFIG["gid"]
CPU_SECONDS = CONFIG["cpu_seconds"]
WORKDIR = CONFIG["workdir"]
if UID == 0 or GID == 0:
    sys.exit("forge supervisor: the sandbox user must not be root (uid %d, gid %d)" % (UID, GID))
HEADER = struct.Struct(">IBI")
COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events",
            "/sys/fs/cgroup/pids/pids.events", "/sys/fs/cgroup/pids.events")
LIBC = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP = 24
with open("/proc/sys/kernel/cap_last_cap") as f:
    LAST_CAP = int(f.read())


def drop_privileges():
    """In the child, before exec: the sandbox user, no groups, an empty bounding set, the CPU-time limit."""
    os.setgroups([])
    os.setresgid(GID, GID, GID)
    for cap in range(LAST_CAP + 1):
        if LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "dropping capability %d from the bounding set failed" % cap)
    os.setresuid(UID, UID, UID)
    if os.getuid() != UID or os.geteuid() != UID:
        raise OSError(errno.EPERM, "still not the sandbox user")
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))


def send(kind, ident, payload=b""):
    data = HEADER.pack(len(payload), kind, ident) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


class Command:
    def __init__(self, ident, process, cap, deadline):
        self.ident, self.process, self.cap = ident, process, cap
        self.deadline = time.monotonic() + deadline if deadline > 0 else None
        self.sent = {ord("O"): 0, ord("E"): 0}
        self.stopped = None
        self.truncated = False
        self.pending = bytearray()  # stdin the command has not taken yet
        self.stdin_closing = False

    def kill(self):
        for target in (lambda: os.killpg(self.process.pid, signal.SIGKILL), lambda: os.kill(self.process.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass


selector = selectors.DefaultSelector()
commands = {}        # id -> Command
by_pid = {}          # pid -> Command
inbox = bytearray()
wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
os.set_blocking(0, False)
selector.register(0, selectors.EVENT_READ, "host")
selector.register(wake_r, selectors.EVENT_READ, "reap")


def forward(command, kind, data):
    """Sends output up to the command's cap; past it, keeps nothing more and kills the command."""
    if command.cap:
        room = command.cap - command.sent[kind]
        if len(data) > room:
            data = data[:max(0, room)]
            command.truncated = True
            if command.stopped is None:
                command.stopped = "output"
                command.kill()
    if data:
        command.sent[kind] += len(data)
        send(kind, command.ident, data)


def read_output(command, fd, kind, drain=False):
    """Reads what the pipe holds now; False once it is at its end (or closed because of the cap)."""
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            return False
        forward(command, kind, data)
        if command.truncated:
            return False
        if not drain:
            return True


def close_stream(stream):
    if stream.fileno() in selector.get_map():
        selector.unregister(stream.fileno())
    stream.close()


def spawn(ident, request):
    env = dict(os.environ)
    env.update(request.get("env") or {})
    try:
        process = subprocess.Popen(request["argv"], stdin=subprocess.PIPE if request.get("stdin") else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=WORKDIR, env=env, close_fds=True,
                                   process_group=0, preexec_fn=drop_privileges, restore_signals=True)
    except Exception as e:  # a command that can't start (missing, no pid left, a NUL in an argument) is its caller's failure
        code = 127 if isinstance(e, FileNotFoundError) else 126
        send(ord("E"), ident, ("forge: could not start %s: %s\n" % (request["argv"][0], e)).encode("utf-8", "replace"))
        send(ord("X"), ident, json.dumps({"code": code, "stopped": None}).encode())
        return
    command = Command(ident, process, int(request.get("cap") or 0), float(request.get("deadline") or 0))
    commands[ident] = command
    by_pid[process.pid] = command
    for stream, kind in ((process.stdout, ord("O")), (process.stderr, ord("E"))):
        os.set_blocking(stream.fileno(), False)
        selector.register(stream.fileno(), selectors.EVENT_READ, ("out", command, kind))
    if process.stdin is not None:
        os.set_blocking(process.stdin.fileno(), False)


def write_stdin(command):
    stdin = command.process.stdin
    if stdin is None or stdin.closed:
        command.pending.clear()
        return
    try:
        while command.pending:
            del command.pending[:os.write(stdin.fileno(), command.pending)]
    except BlockingIOError:
        pass
    except OSError:
        command.pending.clear()  # the command closed its input: the rest is dropped
    fd = stdin.fileno()
    if command.pending:
        if fd not in selector.get_map():
            selector.register(fd, selectors.EVENT_WRITE, ("in", command, 0))
        return
    if fd in selector.get_map():
        selector.unregister(fd)
    if command.stdin_closing:
        close_stream(stdin)


def exited(command, status):
    """The command ended: kill what is left of its group, send what its pipes hold, report its exit."""
    command.kill()
    process = command.process
    process.returncode = status
    for stream, kind in ((process.stdout, ord("O")), (process.stderr, ord("E"))):
        if not stream.closed:
            read_output(command, stream.fileno(), kind, drain=True)
            close_stream(stream)
    if process.stdin is not None and not process.stdin.closed:
        close_stream(process.stdin)
    code = os.waitstatus_to_exitcode(status)
    code = 128 - code if code < 0 else code
    if command.stopped == "deadline":
        code = 137
    send(ord("X"), command.ident, json.dumps({"code": code, "stopped": command.stopped, "truncated": command.truncated}).encode())
    commands.pop(command.ident, None)
    by_pid.pop(process.pid, None)


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        command = by_pid.get(pid)
        if command is not None:
            exited(command, status)


def others():
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != 1:
            try:
                with open("/proc/%s/stat" % name) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ("Z", "X"):
                found.append(int(name))
    return found


def kill_everything():
    deadline = time.monotonic() + 5
    while others() and time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        reap()
        time.sleep(0.001)
    reap()


def counters():
    lines = []
    for path in COUNTERS:
        try:
            with open(path) as f:
                lines += ["%s %s" % (path, line.strip()) for line in f if line.strip()]
        except OSError:
            pass
    return "\n".join(lines)


def handle(kind, ident, payload):
    command = commands.get(ident)
    if kind == ord("S"):
        spawn(ident, json.loads(payload))
    elif kind == ord("I") and command is not None:
        command.pending.extend(payload)
        write_stdin(command)
    elif kind == ord("C") and command is not None:
        command.stdin_closing = True
        write_stdin(command)
    elif kind == ord("K") and command is not None:
        command.kill()
    elif kind == ord("A"):
        kill_everything()
        send(ord("D"), ident)
    elif kind == ord("G"):
        send(ord("D"), ident, counters().encode())


def from_host():
    while True:
        try:
            data = os.read(0, 1 << 20)
        except BlockingIOError:
            break
        if not data:
            kill_everything()
            sys.exit(0)
        inbox.extend(data)
    while len(inbox) >= HEADER.size:
        length, kind, ident = HEADER.unpack_from(inbox)
        if len(inbox) < HEADER.size + length:
            break
        payload = bytes(inbox[HEADER.size:HEADER.size + length])
        del inbox[:HEADER.size + length]
        handle(kind, ident, payload)


send(ord("H"), 0, json.dumps({"pid": os.getpid()}).encode())
while True:
    deadlines = [c.deadline for c in commands.values() if c.deadline is not None and c.stopped is None]
    timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
    for key, _ in selector.select(timeout):
        if key.data == "host":
            from_host()
        elif key.data == "reap":
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            reap()
        else:
            role, command, kind = key.data
            if role == "in":
                write_stdin(command)
            elif not read_output(command, key.fd, kind):
                close_stream(command.process.stdout if kind == ord("O") else command.process.stderr)
    now = time.monotonic()
    for command in list(commands.values()):
        if command.deadline is not None and command.stopped is None and now >= command.deadline:
            command.stopped = "deadline"
            command.kill()
    reap()
