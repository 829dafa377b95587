package dev.trickle.cdc;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.SocketFactory;

/**
 * When a connection last received bytes from the server. pgjdbc's replication stream answers
 * keepalives inside {@code readPending()} and says nothing about them, so the reader cannot tell a
 * quiet server from a silent network; the socket can. {@link #install} makes pgjdbc open the
 * connection's socket through {@link Factory}, whose sockets touch the clock on every read.
 */
public final class ReceiveClock {
  /** The pgjdbc connection property naming the clock a {@link Factory} serves. */
  static final String PROPERTY = "trickleReceiveClock";

  private static final Map<String, ReceiveClock> OPENING = new ConcurrentHashMap<>();

  private final String id = UUID.randomUUID().toString();
  private volatile long lastNanos = System.nanoTime();

  /** Nanoseconds since bytes last arrived (or since the clock was made). */
  public long silentNanos(long nowNanos) {
    return nowNanos - lastNanos;
  }

  private void touch() {
    lastNanos = System.nanoTime();
  }

  /**
   * Sets the properties that make pgjdbc open its socket through this clock; call {@link #opened()}
   * once the connection is open (or failed).
   *
   * @param properties pgjdbc connection properties
   */
  void install(Properties properties) {
    OPENING.put(id, this);
    properties.setProperty("socketFactory", Factory.class.getName());
    properties.setProperty(PROPERTY, id);
  }

  /** Forgets the registration {@link #install} made. */
  void opened() {
    OPENING.remove(id);
  }

  /**
   * The socket factory pgjdbc instantiates by class name (with the connection's properties), whose
   * sockets touch the clock the properties name.
   */
  public static final class Factory extends SocketFactory {
    private final ReceiveClock clock;

    /**
     * Called by pgjdbc.
     *
     * @param info the connection's properties
     */
    public Factory(Properties info) {
      ReceiveClock c = OPENING.get(info.getProperty(PROPERTY, ""));
      this.clock = c == null ? new ReceiveClock() : c;
    }

    @Override
    public Socket createSocket() {
      return new ClockedSocket(clock);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      Socket s = createSocket();
      s.bind(new InetSocketAddress(localHost, localPort));
      s.connect(new InetSocketAddress(host, port));
      return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      Socket s = createSocket();
      s.bind(new InetSocketAddress(localAddress, localPort));
      s.connect(new InetSocketAddress(address, port));
      return s;
    }

    private Socket connected(InetSocketAddress address) throws IOException {
      Socket s = createSocket();
      s.connect(address);
      return s;
    }
  }

  /** A socket whose input touches the clock whenever bytes arrive. */
  private static final class ClockedSocket extends Socket {
    private final ReceiveClock clock;

    ClockedSocket(ReceiveClock clock) {
      this.clock = clock;
    }

    @Override
    public InputStream getInputStream() throws IOException {
      return new FilterInputStream(super.getInputStream()) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            clock.touch();
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = super.read(buf, off, len);
          if (n > 0) {
            clock.touch();
          }
          return n;
        }
      };
    }
  }
}
