package dev.trickle.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

final class FailuresTest {
  @Test
  void anErrorTheServerRaised_countsAsAFailure_evenWhenFiledAsAResourceException() {
    assertThat(Failures.isConnectionLoss(new R2dbcNonTransientResourceException("boom", "P0001")))
        .isFalse();
    assertThat(
            Failures.isConnectionLoss(
                new IllegalStateException(
                    "refresh failed", new R2dbcNonTransientResourceException("boom", "53200"))))
        .isFalse();
    assertThat(Failures.isConnectionLoss(new SQLException("deadlock", "40P01"))).isFalse();
  }

  @Test
  void aLostConnection_isRecognized() {
    assertThat(Failures.isConnectionLoss(new R2dbcNonTransientResourceException("closed")))
        .isTrue();
    assertThat(Failures.isConnectionLoss(new R2dbcNonTransientResourceException("x", "08006")))
        .isTrue();
    assertThat(Failures.isConnectionLoss(new SQLException("terminating", "57P01"))).isTrue();
    assertThat(Failures.isConnectionLoss(new IllegalStateException("x", new IOException("reset"))))
        .isTrue();
    assertThat(Failures.isConnectionLoss(new IllegalStateException("Connection refused"))).isTrue();
  }
}
