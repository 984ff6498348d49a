# A named pipe in the current directory: blocking and non-blocking reads, a wait that a
# signal interrupts (EINTR) or that goes on (SA_RESTART), poll/select/epoll readiness, and
# end-of-file once the last writer has closed (which the module hears when the writer's fd
# closes, in whatever process). The same lines come out in a host directory
# and in a directory a module serves.
import errno, os, select, signal, time

def attempt(label, f, *args):
    try:
        print(label, f(*args))
    except OSError as e:
        print(label, errno.errorcode[e.errno])

os.mkfifo("fifo")
attempt("write end without a reader", os.open, "fifo", os.O_WRONLY | os.O_NONBLOCK)
r = os.open("fifo", os.O_RDONLY | os.O_NONBLOCK)
w = os.open("fifo", os.O_WRONLY)
attempt("empty, non-blocking", os.read, r, 10)
p = select.poll()
p.register(r, select.POLLIN)
e = select.epoll()
e.register(r, select.EPOLLIN)
print("empty: poll", p.poll(0), "select", select.select([r], [], [], 0)[0], "epoll", e.poll(0))
os.write(w, b"x")
print("data: poll", p.poll(0), "select", select.select([r], [], [], 0)[0] == [r], "epoll", len(e.poll(0)))
print("read", os.read(r, 10))
os.set_blocking(r, True)

def write_later(delay, data):
    pid = os.fork()
    if pid == 0:
        time.sleep(delay)
        os.write(w, data)
        os._exit(0)
    return pid

pid = write_later(0.3, b"late")
print("a blocking read waits", os.read(r, 10))
os.waitpid(pid, 0)

signal.signal(signal.SIGALRM, lambda *a: print("alarm"))
signal.siginterrupt(signal.SIGALRM, False)
pid = write_later(1.0, b"after the alarm")
signal.setitimer(signal.ITIMER_REAL, 0.2)
print("SA_RESTART: the read goes on", os.read(r, 20))
os.waitpid(pid, 0)

class Interrupted(Exception):
    pass

def interrupt(*args):
    raise Interrupted()

signal.signal(signal.SIGALRM, interrupt)
signal.siginterrupt(signal.SIGALRM, True)
signal.setitimer(signal.ITIMER_REAL, 0.2)
try:
    os.read(r, 10)
except Interrupted:
    print("no SA_RESTART: interrupted")
os.close(w)
# (The kernel says POLLHUP here; a served file's placeholder can only say POLLIN.)
print("end of file", os.read(r, 10), "poll says something", bool(p.poll(0)))

# a splice from an empty pipe into a file waits for the pipe's writer
pr, pw = os.pipe()
out = os.open("spliced", os.O_WRONLY | os.O_CREAT, 0o644)
pid = os.fork()
if pid == 0:
    time.sleep(0.3)
    os.write(pw, b"waited for")
    os._exit(0)
print("a blocking splice waits", os.splice(pr, out, 20), os.pread(os.open("spliced", os.O_RDONLY), 20, 0))
os.waitpid(pid, 0)
