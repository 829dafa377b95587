package dev.trickle.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes every still-open {@link LocalCluster} when the JVM exits, so no server is left behind. */
final class ShutdownHooks {
  private static final Logger log = LoggerFactory.getLogger(ShutdownHooks.class);
  private static final Set<LocalCluster> OPEN = ConcurrentHashMap.newKeySet();
  private static boolean installed;

  private ShutdownHooks() {}

  static void register(LocalCluster cluster) {
    synchronized (ShutdownHooks.class) {
      if (!installed) {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(ShutdownHooks::closeAll, "trickle-pg-shutdown"));
        installed = true;
      }
    }
    OPEN.add(cluster);
  }

  static void unregister(LocalCluster cluster) {
    OPEN.remove(cluster);
  }

  private static void closeAll() {
    for (LocalCluster cluster : new ArrayList<>(OPEN)) {
      try {
        cluster.close();
      } catch (RuntimeException e) {
        log.warn("cannot close {} at JVM exit", cluster, e);
      }
    }
  }

  /** For tests: the clusters currently registered. */
  static List<LocalCluster> open() {
    return List.copyOf(OPEN);
  }
}
