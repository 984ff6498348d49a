# The seed's Raspberry Pi card, in one umvu session and without root: a 256 MiB ramdisk with
# an MBR (a 64 MiB bootable FAT32 partition, type c, and a Linux partition with the rest),
# its partitions shown by vudevpartx, a FAT and an ext4 made and filled on them, the whole
# disk copied out to $1. Run in a directory holding rootfs/ and config.txt.
set -e
image=$1
vumount -t vudevramdisk -o size=256M none /dev/ramdisk
printf 'label: dos\n,64M,c,*\n,,83\n' | sfdisk -q /dev/ramdisk
vumount -t vudevpartx /dev/ramdisk /dev/hda
stat -c '%A %t %T %n' /dev/hda /dev/hda1 /dev/hda2
fdisk -l /dev/hda | grep '^/dev/hda' | tr -s ' '
mkfs.vfat -F 32 -n BOOT /dev/hda1 >/dev/null
mkfs.ext4 -q -L rootfs -d rootfs /dev/hda2
mcopy -i /dev/hda1 config.txt ::config.txt
mdir -i /dev/hda1 -b ::
blkid -o value -s LABEL -s TYPE /dev/hda1 /dev/hda2
e2fsck -fn /dev/hda2 >/dev/null 2>&1 && echo e2fsck clean
debugfs -R 'cat /etc/hostname' /dev/hda2 2>/dev/null
dd if=/dev/hda of="$image" bs=1M status=none
vuumount /dev/hda
vuumount /dev/ramdisk
ls /dev/hda /dev/ramdisk 2>&1 | sed 's/^ls: //'
