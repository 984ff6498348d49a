"""What socket programs do, on a virtual stack: run as `vunet-sockets.py server ADDR` in one
stack and `vunet-sockets.py client ADDR LOCAL` in another (ADDR an IPv4 or IPv6 address of the
server's stack, LOCAL the client's stack's). The client prints what it found."""
import errno
import os
import select
import socket
import sys
import time

role, addr = sys.argv[1], sys.argv[2]
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
PORT = 7100

if role == "server":
    lst = socket.socket(family, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, PORT))
    lst.listen(5)
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.bind((addr, PORT))
    ep = select.epoll()
    ep.register(lst.fileno(), select.EPOLLIN)
    ep.register(udp.fileno(), select.EPOLLIN)
    served = 0
    while served < 3:
        for fd, _ in ep.poll(20):
            if fd == udp.fileno():
                data, peer = udp.recvfrom(100)
                udp.sendto(data.upper(), peer)
                served += 1
            else:
                conn, _ = lst.accept()
                if os.fork() == 0:  # a child serves the connection: fork sharing
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            break
                        conn.sendall(data.upper())
                    os._exit(0)
                conn.close()
                served += 1
    time.sleep(0.5)
    sys.exit(0)

# client
s = socket.socket(family, socket.SOCK_STREAM)
s.setblocking(False)
rc = s.connect_ex((addr, PORT))
print("non-blocking connect:", errno.errorcode.get(rc, rc))
select.select([], [s], [], 10)
print("connected:", s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
poller = select.poll()
poller.register(s, select.POLLOUT)
print("poll:", poller.poll(1000) == [(s.fileno(), select.POLLOUT)])
s.setblocking(True)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print("TCP_NODELAY:", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)
print("peer:", s.getpeername()[0], s.getpeername()[1])
print("local address:", s.getsockname()[0])
s.sendall(b"x" * 100000)
got = b""
while len(got) < 100000:
    got += s.recv(65536)
print("echoed 100000 bytes:", got == b"X" * 100000)
# the socket through a unix socket (SCM_RIGHTS) to a child, which uses it
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    msg, fds, _, _ = socket.recv_fds(b, 10, 1)
    t = socket.socket(fileno=fds[0])
    t.sendall(b"passed")
    os._exit(0)
socket.send_fds(a, [b"fd"], [s.fileno()])
os.waitpid(pid, 0)
print("over SCM_RIGHTS:", s.recv(100))
print("close-on-exec:", os.get_inheritable(s.fileno()) is False)
s.close()
u = socket.socket(family, socket.SOCK_DGRAM)
u.settimeout(10)
u.sendto(b"ping", (addr, PORT))
print("udp:", u.recvfrom(100)[0])
s2 = socket.create_connection((addr, PORT), timeout=10)
s2.shutdown(socket.SHUT_WR)
print("a second connection ends:", s2.recv(10) == b"")
