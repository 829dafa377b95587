package dev.trickle.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.config.DatabaseUrl;
import dev.trickle.model.UserError;
import dev.trickle.service.Database;
import dev.trickle.service.Preview;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code trickle preview [--url URL] QUERY}: the preview of a query, straight from the database.
 */
@Command(
    name = "preview",
    mixinStandardHelpOptions = true,
    description = "Prints how Trickle would maintain a query (no side effects).")
final class PreviewCommand implements Callable<Integer> {
  @Option(names = "--url", description = "the database (default $TRICKLE_DATABASE_URL)")
  String url = System.getenv("TRICKLE_DATABASE_URL");

  @Parameters(index = "0", description = "the defining query")
  String query;

  @Override
  public Integer call() throws Exception {
    if (url == null) {
      throw new UserError("preview needs --url or TRICKLE_DATABASE_URL");
    }
    DatabaseUrl db;
    try {
      db = DatabaseUrl.parse(url);
    } catch (IllegalArgumentException e) {
      throw new UserError("--url: " + e.getMessage());
    }
    try (Connection conn = new Database(db).connect()) {
      Preview v =
          Preview.of(
              conn,
              query,
              true,
              dev.trickle.config.CdcConfig.defaults().source(),
              dev.trickle.dvm.DvmLimits.DEFAULTS);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("source_tables", v.sourceTables());
      m.put("refresh_strategy", v.refreshStrategy());
      m.put("complexity_class", v.complexityClass());
      m.put("delta_sql_template_bytes", v.deltaSqlTemplateBytes());
      m.put("warnings", v.warnings());
      System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
    }
    return 0;
  }
}
