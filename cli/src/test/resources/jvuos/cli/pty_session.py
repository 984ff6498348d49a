"""Drives interactive shells in a pseudo-terminal, as a person at a keyboard would.

usage: python3 pty_session.py inside CMD [ARGS...]
           CMD runs `bash --norc --noprofile -i`: job control inside that shell
       python3 pty_session.py mounted CMD [ARGS...]
           the same shell with $MOUNT and $UMOUNT (a bind mount and its undoing): a job
           stopped before the mount, a cwd inside it, Ctrl-C there
       python3 pty_session.py outer PREFIX [ARGS...]
           a plain interactive bash runs `PREFIX... sleep 30` and the like as its jobs:
           job control of the command as a whole (PREFIX `env` gives the native behaviour)
Exits 0 when every step behaved as in a terminal, else prints the step and the screen so far.
"""
import os
import pty
import re
import select
import signal
import sys
import time

PROMPT = "jvuos-test$ "
TIMEOUT = 20.0
BRACKETED_PASTE = re.compile(r"\x1b\[\?2004[hl]\r?")


class Session:
    def __init__(self, argv):
        env = dict(os.environ, PS1=PROMPT, TERM="xterm", HISTFILE="/dev/null")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        self.screen = ""
        self.consumed = 0

    def expect(self, pattern, timeout=TIMEOUT):
        """Reads until the regex matches output not yet consumed by an earlier expect."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.screen[self.consumed:])
            if m:
                self.consumed += m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"timed out waiting for {pattern!r}", self)
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    fail(f"terminal closed while waiting for {pattern!r}", self)
                # Bracketed-paste mode switches are terminal control, not output.
                self.screen += BRACKETED_PASTE.sub("", data.decode("utf-8", "replace"))

    def send(self, text):
        os.write(self.fd, text.encode())

    def line(self, text):
        self.send(text + "\r")

    def command(self, text, expect_output):
        """Runs a command line and waits for its output and the next prompt."""
        self.line(text)
        m = self.expect(expect_output + r"[\s\S]*?" + re.escape(PROMPT))
        return m

    def wait_exit(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.read(self.fd, 4096)
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        fail("the session did not end", self)


def fail(message, session):
    print("FAIL:", message)
    print("---- screen ----")
    print(session.screen[-3000:])
    print(repr(session.screen[-600:]))
    try:
        os.kill(session.pid, signal.SIGKILL)
    except OSError:
        pass
    sys.exit(1)


def exit_with(s, expected):
    """exit leaves the shell, with its status."""
    s.line(f"exit {expected}")
    status = s.wait_exit()
    if status != expected:
        fail(f"exit status {status}, expected {expected}", s)


def stop_with_ctrl_z(s):
    s.send("\x1a")
    s.expect(r"Stopped[\s\S]*?" + re.escape(PROMPT))


def start_stopped(s, command):
    """Starts a foreground job and stops it with Ctrl-Z."""
    s.line(command)
    time.sleep(0.5)
    stop_with_ctrl_z(s)


def interrupt_foreground(s, command, promptly=False):
    """Ctrl-C ends a foreground job, not the shell or the hypervisor; the shell reports 130."""
    s.line(command)
    time.sleep(0.5)
    started = time.monotonic()
    s.send("\x03")
    s.expect(re.escape(PROMPT))
    if promptly and time.monotonic() - started > 5:
        fail(f"Ctrl-C did not interrupt {command} promptly", s)
    s.command("echo status=$?", r"status=130")


def foreground_then_ctrl_c(s, job):
    """fg brings the stopped job back; Ctrl-C ends it and the shell reports 130."""
    s.line("fg")
    s.expect(re.escape(job) + r"\r\n")
    time.sleep(0.5)
    s.send("\x03")
    s.expect(re.escape(PROMPT))
    s.command("echo status=$?", r"status=130")


def reader_stopped_and_resumed(s, command):
    """A job reading the terminal: stopped, resumed in the foreground, then fed a line."""
    s.line(command)
    time.sleep(1.0)  # under umvu, let the JVM start before the key is pressed
    stop_with_ctrl_z(s)
    s.line("fg")
    s.expect(re.escape(command) + r"\r\n")
    time.sleep(0.3)
    s.send("typed line\r")
    s.expect(r"typed line\r\ntyped line\r\n")
    s.send("\x04")
    s.expect(re.escape(PROMPT))


def inside(argv):
    s = Session(argv)
    s.expect(re.escape(PROMPT))

    # A plain command and its output.
    s.command("echo $((6 * 7))", r"\r\n42\r\n")

    # Line editing: type "echo helo", move left once, insert "l".
    s.send("echo helo")
    s.send("\x1b[D")
    s.send("l\r")
    s.expect(r"\r\nhello\r\n[\s\S]*?" + re.escape(PROMPT))

    interrupt_foreground(s, "sleep 30", promptly=True)

    # Ctrl-Z stops the foreground job; jobs, bg and fg work.
    start_stopped(s, "sleep 30")
    s.command("jobs", r"\[1\]\+\s+Stopped\s+sleep 30")
    s.command("bg", r"\[1\]\+ sleep 30 &")
    s.command("jobs", r"\[1\]\+\s+Running\s+sleep 30 &")
    foreground_then_ctrl_c(s, "sleep 30")

    reader_stopped_and_resumed(s, "cat")

    # Ctrl-C at the prompt itself, once the typed text shows: the line is dropped, the session
    # survives. (How bash's readline goes on under load varies, natively too: a fresh prompt,
    # or none, and sometimes the next key is swallowed. So an Enter goes first, then the check.)
    s.command("echo ready", r"\r\nready\r\n")
    s.send("echo half-typed")
    s.expect("echo half-typed")
    s.send("\x03")
    s.expect(r"\^C")
    time.sleep(0.5)
    s.send("\r")
    s.command("echo still-alive", r"\r\nstill-alive\r\n")

    exit_with(s, 7)


def mounted(argv):
    s = Session(argv)
    s.expect(re.escape(PROMPT))
    # A job stopped before the mount must come back after it, its process unharmed.
    start_stopped(s, "sleep 30")
    s.command("mkdir -p m && $MOUNT /usr/share m && echo mounted", r"\r\nmounted\r\n")
    s.command("cd m/doc && pwd", r"/m/doc\r\n")
    s.command("ls -d ../man && cd .. && pwd", r"\.\./man\r\n[^\r\n]*/m\r\n")
    # A terminal reader whose cwd is in the mount: Ctrl-C ends it, not the shell.
    interrupt_foreground(s, "cat")
    # Back where the stopped job started (bash would note its other wd on fg).
    s.command("cd .. && echo back", r"\r\nback\r\n")
    foreground_then_ctrl_c(s, "sleep 30")
    s.command("$UMOUNT m && ls m | wc -l", r"\r\n0\r\n")
    exit_with(s, 3)


def outer(prefix):
    s = Session(["bash", "--norc", "--noprofile", "-i"])
    s.expect(re.escape(PROMPT))
    run = " ".join(prefix) + " "

    # Ctrl-Z stops the whole command; fg resumes it; Ctrl-C ends it.
    s.line(run + "sleep 30")
    time.sleep(1.0)
    stop_with_ctrl_z(s)
    s.command("jobs", r"\[1\]\+\s+Stopped\s+" + re.escape(run) + "sleep 30")
    foreground_then_ctrl_c(s, run + "sleep 30")

    reader_stopped_and_resumed(s, run + "cat")

    # A shell that suspends itself: the outer shell sees its job stop, fg brings it back.
    s.line(run + "bash --norc --noprofile -i")
    s.expect(re.escape(PROMPT))
    s.line("suspend")
    s.expect(r"Stopped[\s\S]*?" + re.escape(PROMPT))
    s.line("fg")
    s.expect(r"bash --norc --noprofile -i\r\n")
    s.line("echo inner-$((40 + 2))")
    s.expect(r"inner-42\r\n[\s\S]*?" + re.escape(PROMPT))
    s.line("exit 3")
    s.expect(re.escape(PROMPT))
    s.command("echo inner-status=$?", r"inner-status=3")
    s.line("exit 0")
    if s.wait_exit() != 0:
        fail("the outer shell did not exit cleanly", s)


if __name__ == "__main__":
    {"inside": inside, "mounted": mounted, "outer": outer}[sys.argv[1]](sys.argv[2:])
    print("OK")
