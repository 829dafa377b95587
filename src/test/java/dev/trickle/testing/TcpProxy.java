package dev.trickle.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in the test JVM, from an ephemeral loopback port to a target port, for network faults
 * without Docker: latency on every forwarded chunk (each direction), all connections cut abruptly
 * (RST), a black hole (nothing forwarded, sockets left open, so each side sees silence rather than
 * a close), and new connections refused for a while. One thread accepts; two threads per connection
 * copy, one per direction.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile long latencyMillis;
  private volatile boolean blackHole;
  private volatile long refuseUntilNanos;
  private volatile boolean closed;

  /**
   * Listens on an ephemeral loopback port and forwards to {@code target}.
   *
   * @param target the address to forward to
   * @throws IOException when no port can be bound
   */
  public TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port the proxy listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** Delays every forwarded chunk by {@code latency} (zero: none). */
  public void setLatency(Duration latency) {
    latencyMillis = latency.toMillis();
  }

  /** Stops forwarding in both directions; sockets stay open (no FIN, no RST). */
  public void blackHole() {
    blackHole = true;
  }

  /** Forwards again after {@link #blackHole()}; what was held back flows on. */
  public void heal() {
    synchronized (gate) {
      blackHole = false;
      gate.notifyAll();
    }
  }

  /** Refuses (accepts and resets at once) new connections for {@code period}. */
  public void refuseNewConnections(Duration period) {
    refuseUntilNanos = System.nanoTime() + period.toNanos();
  }

  /**
   * Cuts every current connection abruptly: both sockets closed with a reset (linger 0).
   *
   * @return how many connections were cut
   */
  public int cutAll() {
    int n = 0;
    for (Link link : links) {
      link.reset();
      n++;
    }
    links.clear();
    return n;
  }

  /** Connections currently open through the proxy. */
  public int openConnections() {
    return links.size();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        if (System.nanoTime() - refuseUntilNanos < 0) {
          reset(client);
          continue;
        }
        Socket upstream = new Socket();
        try {
          upstream.connect(target, 5_000);
        } catch (IOException e) {
          reset(client);
          continue;
        }
        Link link = new Link(client, upstream);
        links.add(link);
        link.start();
      } catch (IOException e) {
        if (!closed) {
          sleepQuietly(10);
        }
      }
    }
  }

  /** One proxied connection: the client's socket and the one to the target. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      copier(client, upstream, "up");
      copier(upstream, client, "down");
    }

    private void copier(Socket from, Socket to, String direction) {
      Thread t = new Thread(() -> copy(from, to), "tcp-proxy-" + direction + "-" + from.getPort());
      t.setDaemon(true);
      t.start();
    }

    private void copy(Socket from, Socket to) {
      byte[] buf = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          awaitForwarding();
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          long delay = latencyMillis;
          if (delay > 0) {
            Thread.sleep(delay);
          }
          awaitForwarding(); // a chunk read just before the black hole is held back too
          out.write(buf, 0, n);
          out.flush();
        }
        to.shutdownOutput(); // pass the orderly close (FIN) on
      } catch (IOException e) {
        reset(); // one side broke: break the other too
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reset();
      }
    }

    void reset() {
      links.remove(this);
      TcpProxy.reset(client);
      TcpProxy.reset(upstream);
    }
  }

  private void awaitForwarding() throws InterruptedException {
    synchronized (gate) {
      while (blackHole && !closed) {
        gate.wait(100);
      }
    }
  }

  /** Closes a socket with a reset (RST) instead of an orderly close. */
  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException e) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops accepting and cuts every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    heal();
    cutAll();
  }
}
