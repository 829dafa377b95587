package dev.trickle.config;

import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code monitoring}. {@link #toString()} masks the API token.
 *
 * @param http {@code host:port} of the HTTP server
 * @param apiToken bearer token of the admin API; empty when not set (a secret)
 */
public record MonitoringSettings(String http, String apiToken) {

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

  /** Checks every value against its setting. */
  public MonitoringSettings {
    HTTP.requireAllowed(http);
    API_TOKEN.requireAllowed(apiToken);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(HTTP, API_TOKEN);
  }

  /** Returns the defaults. */
  public static MonitoringSettings defaults() {
    return from(SettingValues.empty());
  }

  static MonitoringSettings from(SettingValues v) {
    return new MonitoringSettings(v.get(HTTP), v.get(API_TOKEN));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(HTTP, http, API_TOKEN, apiToken);
  }

  /** Returns the settings with the token shown as {@code ***} (or empty when not set). */
  @Override
  public String toString() {
    return "MonitoringSettings[http=" + http + ", apiToken=" + API_TOKEN.format(apiToken) + "]";
  }
}
