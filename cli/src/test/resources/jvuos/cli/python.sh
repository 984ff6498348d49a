cat > features.py <<'END'
import multiprocessing
import os
import subprocess
import threading


def square(x):
    return x * x


def main():
    results = []
    lock = threading.Lock()

    def work(i):
        with lock:
            results.append(square(i))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threads", sorted(results))

    done = subprocess.run(["sh", "-c", "echo from subprocess; echo to err >&2; exit 4"],
                          capture_output=True, text=True)
    print("subprocess", done.returncode, repr(done.stdout), repr(done.stderr))
    print("check_output", subprocess.check_output(["echo", "hi"]).decode().strip())

    with multiprocessing.Pool(2) as pool:
        print("fork pool", pool.map(square, range(10)))
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        print("spawn pool", pool.map(square, range(6)))

    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=q.put, args=("via queue",))
    p.start()
    print(q.get())
    p.join()
    print("process exit", p.exitcode)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, b"forked child")
        os._exit(7)
    os.close(w)
    print(os.read(r, 100).decode(), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


if __name__ == "__main__":
    main()
END
python3 features.py
