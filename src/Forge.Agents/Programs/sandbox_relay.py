# Runs an agent program inside a sandbox that has no network of its own. It listens on the sandbox's loopback, forwards
# every connection to the Unix socket Forge binds into the workspace (which reaches the server and nothing else), and
# starts the program with OPENAI_BASE_URL pointing at that port; stdin and stdout are the program's. Exits as it exits.
#   python3 -I sandbox_relay.py SOCKET URL_PATH -- COMMAND...
import os
import socket
import subprocess
import sys
import threading


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(listener, path):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: sandbox_relay.py SOCKET URL_PATH -- COMMAND...")
    path, url_path, command = sys.argv[1], sys.argv[2], sys.argv[4:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    threading.Thread(target=relay, args=(listener, path), daemon=True).start()
    port = listener.getsockname()[1]
    environment = dict(os.environ, OPENAI_BASE_URL=f"http://127.0.0.1:{port}{url_path}")
    try:
        sys.exit(subprocess.call(command, env=environment))
    except OSError as e:
        sys.exit(f"agent program {command[0]} could not start: {e}")


main()
