mkdir proj && cd proj
for i in 1 2 3 4; do
  printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' $i $i > f$i.c
done
cat > main.c <<'END'
#include <stdio.h>
int f1(int), f2(int), f3(int), f4(int);
int main(void) { printf("%d %d %d %d\n", f1(10), f2(20), f3(30), f4(40)); return 0; }
END
cat > Makefile <<'END'
OBJS = main.o f1.o f2.o f3.o f4.o
app: $(OBJS)
	$(CC) -o $@ $(OBJS)
%.o: %.c
	$(CC) -O1 -c -o $@ $<
clean:
	rm -f app $(OBJS)
END
make -j2 -s
./app
ls *.o | sort
make -s clean && ls
