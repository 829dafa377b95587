package dev.trickle.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * All settings, by category. Each setting is a {@link Setting} constant of its category's record;
 * {@link #catalogue()} lists them all.
 *
 * @param scheduler category {@code scheduler}
 * @param cdc category {@code cdc}
 * @param dvm category {@code dvm}
 * @param monitoring category {@code monitoring}
 */
public record Settings(
    SchedulerSettings scheduler, CdcSettings cdc, DvmSettings dvm, MonitoringSettings monitoring) {

  /** The categories, in documentation order. */
  public static final List<String> CATEGORIES =
      List.of(
          SchedulerSettings.CATEGORY,
          CdcSettings.CATEGORY,
          DvmSettings.CATEGORY,
          MonitoringSettings.CATEGORY);

  /** Checks the components. */
  public Settings {
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(cdc, "cdc");
    Objects.requireNonNull(dvm, "dvm");
    Objects.requireNonNull(monitoring, "monitoring");
  }

  /** Returns every setting at its default. */
  public static Settings defaults() {
    return of(SettingValues.empty());
  }

  /** Returns every setting definition, category by category. */
  public static List<Setting<?>> catalogue() {
    return Stream.of(
            SchedulerSettings.definitions(),
            CdcSettings.definitions(),
            DvmSettings.definitions(),
            MonitoringSettings.definitions())
        .flatMap(List::stream)
        .collect(Collectors.toUnmodifiableList());
  }

  /** Returns the definitions of one category (empty for an unknown category). */
  public static List<Setting<?>> category(String category) {
    return catalogue().stream()
        .filter(s -> s.category().equals(category))
        .collect(Collectors.toUnmodifiableList());
  }

  /**
   * Finds a setting by its flat name.
   *
   * @param flatName e.g. {@code pg_trickle.max_workers}
   * @return the setting, or empty if there is none of that name
   */
  public static Optional<Setting<?>> byFlatName(String flatName) {
    return catalogue().stream().filter(s -> s.flatName().equals(flatName)).findFirst();
  }

  static Settings of(SettingValues values) {
    return new Settings(
        SchedulerSettings.from(values),
        CdcSettings.from(values),
        DvmSettings.from(values),
        MonitoringSettings.from(values));
  }

  /**
   * Returns these settings with overrides given by flat name, e.g. from {@code --set
   * pg_trickle.max_workers=8}.
   *
   * @param overrides flat name to value text
   * @return the new settings
   * @throws ConfigException naming every unknown flat name and invalid value
   */
  public Settings withOverrides(Map<String, String> overrides) {
    Problems problems = new Problems();
    Map<Setting<?>, Object> changes = new HashMap<>();
    overrides.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Optional<Setting<?>> setting = byFlatName(e.getKey());
              if (setting.isEmpty()) {
                problems.add(null, 0, e.getKey(), "unknown setting (known: " + flatNames() + ")");
                return;
              }
              try {
                changes.put(setting.get(), setting.get().parse(e.getValue()));
              } catch (IllegalArgumentException ex) {
                problems.add(null, 0, e.getKey(), ex.getMessage());
              }
            });
    problems.throwIfAny();
    return of(values().with(changes));
  }

  private static String flatNames() {
    return catalogue().stream().map(Setting::flatName).collect(Collectors.joining(", "));
  }

  /**
   * Returns the current value of a setting.
   *
   * @param setting a setting of the catalogue
   * @param <T> its type
   * @return the value
   */
  public <T> T get(Setting<T> setting) {
    return values().get(setting);
  }

  private SettingValues values() {
    Map<Setting<?>, Object> all = new HashMap<>();
    all.putAll(scheduler.toMap());
    all.putAll(cdc.toMap());
    all.putAll(dvm.toMap());
    all.putAll(monitoring.toMap());
    return new SettingValues(all);
  }
}
