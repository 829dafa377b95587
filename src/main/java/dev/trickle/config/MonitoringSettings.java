package dev.trickle.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code monitoring}. {@link #toString()} masks the API token.
 *
 * @param http {@code host:port} of the HTTP server
 * @param apiToken bearer token of the admin API; empty when not set (a secret)
 * @param advisorWindow how far back the configuration advisor looks
 * @param readyMaxLag the most lag {@code /readyz} tolerates; zero when switched off
 */
public record MonitoringSettings(
    String http, String apiToken, Duration advisorWindow, Duration readyMaxLag) {

  /** The category name. */
  public static final String CATEGORY = "monitoring";

  /** {@code pg_trickle.http}. */
  public static final Setting<String> HTTP =
      Setting.of(
          CATEGORY,
          "http",
          String.class,
          "127.0.0.1:8765",
          "host:port",
          "address of the HTTP server (metrics, health, API)",
          Validator.hostPort());

  /** {@code pg_trickle.api_token}; secret, never printed. */
  public static final Setting<String> API_TOKEN =
      new Setting<>(
          CATEGORY,
          "api_token",
          String.class,
          "",
          "",
          "bearer token required by the admin API when bound to a non-loopback address",
          Validator.any("any text"),
          true);

  /** {@code pg_trickle.advisor_window}. */
  public static final Setting<Duration> ADVISOR_WINDOW =
      Setting.of(
          CATEGORY,
          "advisor_window",
          Duration.class,
          Duration.ofMinutes(5),
          "duration",
          "how far back the configuration advisor (trickle tune) looks at refreshes, workers, lag,"
              + " memory and caches; see docs/OBSERVABILITY.md",
          Validator.positive());

  /** {@code pg_trickle.ready_max_lag}. */
  public static final Setting<Duration> READY_MAX_LAG =
      Setting.of(
          CATEGORY,
          "ready_max_lag",
          Duration.class,
          Duration.ofSeconds(30),
          "duration",
          "/readyz answers 503 while some stream table's oldest unabsorbed source change has"
              + " waited longer than this (the reason names it, its lag and this threshold), and"
              + " 200 again once none has; 0 switches the check off",
          Validator.positiveOrOff());

  /** Checks every value against its setting. */
  public MonitoringSettings {
    HTTP.requireAllowed(http);
    API_TOKEN.requireAllowed(apiToken);
    ADVISOR_WINDOW.requireAllowed(advisorWindow);
    READY_MAX_LAG.requireAllowed(readyMaxLag);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(HTTP, API_TOKEN, ADVISOR_WINDOW, READY_MAX_LAG);
  }

  /** Returns the defaults. */
  public static MonitoringSettings defaults() {
    return from(SettingValues.empty());
  }

  static MonitoringSettings from(SettingValues v) {
    return new MonitoringSettings(
        v.get(HTTP), v.get(API_TOKEN), v.get(ADVISOR_WINDOW), v.get(READY_MAX_LAG));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(
        HTTP, http, API_TOKEN, apiToken, ADVISOR_WINDOW, advisorWindow, READY_MAX_LAG, readyMaxLag);
  }

  /** Returns the settings with the token shown as {@code ***} (or empty when not set). */
  @Override
  public String toString() {
    return "MonitoringSettings[http="
        + http
        + ", apiToken="
        + API_TOKEN.format(apiToken)
        + ", advisorWindow="
        + ADVISOR_WINDOW.format(advisorWindow)
        + ", readyMaxLag="
        + READY_MAX_LAG.format(readyMaxLag)
        + "]";
  }
}
