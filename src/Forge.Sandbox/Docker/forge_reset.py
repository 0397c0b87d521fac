# Forge's container reset: makes a Docker sandbox container that served one episode fit for the next, or says why not,
# then becomes the next episode's warm Python driver (one command and one interpreter start for both).
# The supervisor (PID 1) starts it as the sandbox's user, like every process the episode could start (no capabilities,
# no-new-privileges).
#   1. kills every process but PID 1 (the supervisor) and itself, again and again until none is left (a fork in flight);
#   2. removes SysV IPC objects (shared memory, semaphores, message queues) and POSIX message queues;
#   3. empties the writable places (/workspace, /tmp, /dev/shm) whatever their permissions, and restores the modes
#      and extended attributes of the first two (which the episode owned and could change);
#   4. verifies: no process, no IPC object, no file, the modes and attributes as made, and PID 1 is still the supervisor.
# Writes one frame (4-byte big-endian length, UTF-8 JSON) on stdout: {"left": [what is not clean]} (the host then asks
# the supervisor for the cgroup counters). Clean, it then runs the driver whose source is its first argument, which
# speaks the driver protocol on the same stdin and stdout; not clean, it exits 3 (the container is then discarded).
import json, os, signal, stat, struct, sys, time

WORKSPACES = ("/workspace", "/tmp")
WIPED = WORKSPACES + ("/dev/shm", "/dev/mqueue")


def stat_fields(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def lineage():
    """This process and its ancestors inside the container (PID 1, the supervisor), which the reset spares."""
    chain, pid = {1}, os.getpid()
    while pid > 1 and pid not in chain:
        chain.add(pid)
        fields = stat_fields(pid)
        pid = int(fields[1]) if fields else 0
    return chain


SPARED = lineage()


def others():
    """Processes but PID 1 and this one's lineage; zombies (dead, holding nothing, PID 1 reaps them) don't count."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in SPARED:
            fields = stat_fields(int(name))
            if fields and fields[0] not in ("Z", "X"):
                found.append(int(name))
    return found


def kill_all():
    deadline = time.monotonic() + 5
    while True:
        left = others()
        if not left or time.monotonic() > deadline:
            return left
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.001)


def ipc_ids(kind):
    try:
        with open("/proc/sysvipc/" + kind) as f:
            rows = [line.split() for line in f.readlines()[1:]]
        return [int(row[1]) for row in rows if len(row) > 1]
    except OSError:
        return []


def remove_ipc():
    kinds = {kind: ipc_ids(kind) for kind in ("shm", "sem", "msg")}
    if not any(kinds.values()):
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    IPC_RMID = 0
    for shmid in kinds["shm"]:
        libc.shmctl(shmid, IPC_RMID, None)
    for semid in kinds["sem"]:
        libc.semctl(semid, 0, IPC_RMID)
    for msqid in kinds["msg"]:
        libc.msgctl(msqid, IPC_RMID, None)


def wipe(root):
    # Make every directory under root ours to list and change first (the episode may have chmod'ed them to 000).
    try:
        os.chmod(root, 0o1777) if root in WORKSPACES else None
    except OSError:
        pass
    for top, dirs, _ in os.walk(root):
        for d in dirs:
            path = os.path.join(top, d)
            try:
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
            except OSError:
                pass
    for top, dirs, files in os.walk(root, topdown=False):
        for name in files + dirs:
            path = os.path.join(top, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except OSError:
                pass


def reset_root(root):
    try:
        for attr in os.listxattr(root):
            os.removexattr(root, attr)
    except OSError:
        pass


def verify():
    problems = ["process %d (%s)" % (pid, comm(pid)) for pid in others()]
    for kind in ("shm", "sem", "msg"):
        problems += ["sysv %s %d" % (kind, i) for i in ipc_ids(kind)]
    for root in WIPED:
        try:
            problems += ["file %s" % os.path.join(root, name) for name in os.listdir(root)]
        except FileNotFoundError:
            pass
        except OSError as e:
            problems.append("unreadable %s: %s" % (root, e.strerror))
    for root in WORKSPACES:
        try:
            mode = stat.S_IMODE(os.lstat(root).st_mode)
            if mode != 0o1777:
                problems.append("mode of %s is %o" % (root, mode))
            problems += ["xattr %s on %s" % (attr, root) for attr in os.listxattr(root)]
        except OSError as e:
            problems.append("%s: %s" % (root, e.strerror))
    if comm(1) != "python3":
        problems.append("PID 1 is %s, not the supervisor" % comm(1))
    return problems


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "gone"


kill_all()
remove_ipc()
for root in WIPED:
    if os.path.isdir(root):
        wipe(root)
for root in WORKSPACES:
    reset_root(root)
problems = verify()
report = json.dumps({"left": problems}).encode("utf-8")
report = struct.pack(">I", len(report)) + report
while report:
    report = report[os.write(1, report):]
if problems or len(sys.argv) < 2:
    sys.exit(3 if problems else 0)
# The driver runs in this interpreter (one interpreter start for both), in a namespace of its own as __main__; each
# snippet it runs gets a fresh __main__ module of its own again.
driver, sys.argv = sys.argv[1], ["-c"]
exec(compile(driver, "<forge_driver>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
