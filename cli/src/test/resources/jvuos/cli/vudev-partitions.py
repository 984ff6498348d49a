"""Prints each partition device given: its name, first sector (HDIO_GETGEO's start) and size in
512-byte sectors (BLKGETSIZE64), or why it cannot be opened."""
import fcntl
import os
import struct
import sys

HDIO_GETGEO = 0x0301
BLKGETSIZE64 = 0x80081272

for path in sys.argv[1:]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        print(os.path.basename(path), "missing:", os.strerror(e.errno))
        continue
    heads, sectors, cylinders, start = struct.unpack("BBHxxxxQ", fcntl.ioctl(fd, HDIO_GETGEO, bytes(16)))
    size = struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, bytes(8)))[0]
    os.close(fd)
    print(os.path.basename(path), start, size // 512)
