// SPDX-License-Identifier: Apache-2.0
// The script the agent benchmark runs: a program that writes the wall-clock time of its start and
// of its exit (nanoseconds) beside itself, as <path>.start and <path>.end. Named *-100ms, it runs
// 100 ms before its exit, as a real script would, so its exit no longer meets the work an action's
// start set going.
// It has no C library, only system calls: a shell script calling `date` would add fork/execs and
// a dynamic loader to every figure, and even static glibc's start-up reads the CPU's features
// with CPUID, which a paravirtualised guest traps (1.2-2.3 ms from vfork to a static glibc
// program's main, measured on this kind of machine). Its first instruction is the exec.
#if defined(__x86_64__)
enum : long { sys_write = 1, sys_close = 3, sys_nanosleep = 35, sys_clock_gettime = 228, sys_exit_group = 231, sys_openat = 257 };
static long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
  long r;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return r;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call stamp_main\n hlt\n");
#elif defined(__aarch64__)
enum : long { sys_write = 64, sys_close = 57, sys_nanosleep = 101, sys_clock_gettime = 113, sys_exit_group = 94, sys_openat = 56 };
static long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x0, sp\n bl stamp_main\n brk #0\n");
#else
#error "the bench's stamp knows x86_64 and aarch64 system calls only"
#endif

namespace {
struct timespec_raw {
  long sec, nsec;
};

long long now_ns() {
  timespec_raw ts{};
  sys(sys_clock_gettime, 0 /* CLOCK_REALTIME */, reinterpret_cast<long>(&ts));
  return ts.sec * 1000000000LL + ts.nsec;
}

bool write_stamp(const char* self, const char* suffix, long long ns) {
  char path[4096], text[24];
  int n = 0;
  for (const char* p = self; *p && n < 4000; ++p) path[n++] = *p;
  for (const char* p = suffix; *p; ++p) path[n++] = *p;
  path[n] = 0;
  int len = 0;
  char digits[20];
  do digits[len++] = static_cast<char>('0' + ns % 10); while ((ns /= 10) > 0);
  for (int i = 0; i < len; ++i) text[i] = digits[len - 1 - i];
  text[len++] = '\n';
  const long fd = sys(sys_openat, -100 /* AT_FDCWD */, reinterpret_cast<long>(path), 01 | 0100 | 01000 /* O_WRONLY|O_CREAT|O_TRUNC */, 0644);
  if (fd < 0) return false;
  const bool ok = sys(sys_write, fd, reinterpret_cast<long>(text), len) == len;
  return sys(sys_close, fd) == 0 && ok;
}

bool ends_with_100ms(const char* s) {
  int n = 0;
  while (s[n]) ++n;
  const char tail[] = "-100ms";
  if (n < 6) return false;
  for (int i = 0; i < 6; ++i)
    if (s[n - 6 + i] != tail[i]) return false;
  return true;
}
} // namespace

extern "C" [[noreturn]] void stamp_main(long* sp) {
  const long long start = now_ns();
  const char* self = reinterpret_cast<const char*>(sp[1]); // argc, then argv[0]
  int status = write_stamp(self, ".start", start) ? 0 : 2;
  if (status == 0 && ends_with_100ms(self)) {
    const timespec_raw busy{0, 100'000'000};
    sys(sys_nanosleep, reinterpret_cast<long>(&busy), 0);
  }
  if (status == 0 && !write_stamp(self, ".end", now_ns())) status = 2;
  sys(sys_exit_group, status);
  __builtin_unreachable();
}
