"""10,000 writes of random sizes at random offsets to a block device, checked against a model
held in memory: after each 1,000, a read of the whole device through a new open; at the end, a
shared mapping's writes reach the device, and writes past the end fail with ENOSPC."""
import errno
import mmap
import os
import random
import sys

device = sys.argv[1]
rng = random.Random(20261202)
fd = os.open(device, os.O_RDWR)
size = os.lseek(fd, 0, os.SEEK_END)
model = bytearray(size)
for i in range(10_000):
    length = rng.randint(1, rng.choice((512, 200_000)))
    offset = rng.randrange(size - length)
    data = rng.randbytes(length) if rng.random() < 0.8 else bytes(length)
    assert os.pwrite(fd, data, offset) == length
    model[offset:offset + length] = data
    if i % 1000 == 999:
        os.close(fd)
        fd = os.open(device, os.O_RDWR)
        assert os.pread(fd, size, 0) == model, "after %d writes the device differs from the model" % (i + 1)
print("10000 random writes read back as the model")
with mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=4096) as m:
    m[100:105] = b"mmap!"
    m.flush()
assert os.pread(fd, 5, 4196) == b"mmap!"
print("a shared mapping's write reached the device")
try:
    os.pwrite(fd, b"x", size)
except OSError as e:
    print("write at the end:", errno.errorcode[e.errno])
print("write across the end:", os.pwrite(fd, b"abcd", size - 2))
print("read at the end:", len(os.pread(fd, 10, size)))
print("lseek to the end:", os.lseek(fd, size, os.SEEK_SET) == size)
try:
    os.lseek(fd, size + 1, os.SEEK_SET)
except OSError as e:
    print("lseek past the end:", errno.errorcode[e.errno])
os.close(fd)
