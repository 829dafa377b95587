/**
 * Pipeline configuration: turns pipeline YAML files, the environment and {@code --set} overrides
 * into immutable records. Pure: no database, no network.
 *
 * <p>{@link dev.trickle.config.PipelineLoader} reads one file or a directory of files and returns a
 * {@link dev.trickle.config.PipelineConfig}, or throws a {@link dev.trickle.config.ConfigException}
 * listing every problem found (file, line, key, message). The typed settings catalogue lives in
 * {@link dev.trickle.config.Settings} and its four categories ({@link
 * dev.trickle.config.SchedulerSettings}, {@link dev.trickle.config.CdcSettings}, {@link
 * dev.trickle.config.DvmSettings}, {@link dev.trickle.config.MonitoringSettings}); each setting is
 * one {@link dev.trickle.config.Setting} constant, documented in {@code docs/CONFIGURATION.md}.
 *
 * <p>Nullability: parameters and return values are non-null unless their javadoc says otherwise.
 */
package dev.trickle.config;
