package dev.trickle.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU clock ticks from /proc (PostgreSQL's processes, the whole machine) and this JVM's GC. */
final class ProcessTicks {
  private ProcessTicks() {}

  /** User + system clock ticks of the postmaster, its reaped children and its live children. */
  static long postgresTicks(long postmasterPid) {
    long total = 0;
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        long[] st = procStat(p);
        if (st != null && st[0] == postmasterPid) {
          total += st[1] + st[2];
        }
      }
    } catch (IOException e) {
      return -1;
    }
    long[] pm = procStat(Path.of("/proc", Long.toString(postmasterPid)));
    return pm == null ? -1 : total + pm[1] + pm[2] + pm[3] + pm[4];
  }

  /** {ppid, utime, stime, cutime, cstime} of a process, or null when it is gone. */
  private static long[] procStat(Path dir) {
    try {
      String s = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ", -1);
      return new long[] {
        Long.parseLong(f[1]),
        Long.parseLong(f[11]),
        Long.parseLong(f[12]),
        Long.parseLong(f[13]),
        Long.parseLong(f[14])
      };
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {busy, total} clock ticks of all CPUs from /proc/stat. */
  static long[] machineTicks() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+", -1);
      long total = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** Garbage collections of this JVM so far. */
  static long gcCount() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  /** Milliseconds this JVM spent collecting garbage so far. */
  static long gcMillis() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionTime());
    }
    return n;
  }
}
