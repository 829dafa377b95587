package dev.trickle.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The status page's HTML file: on the classpath, self-contained, no HTML built from data. */
final class StatusPageTest {
  @Test
  void isOneFileThatLoadsNothingFromElsewhere() {
    String html = StatusPage.html();
    assertThat(html).startsWith("<!doctype html>").contains("<tbody id=\"rows\">");
    // the only absolute URL is the SVG namespace, which is a name and never fetched
    assertThat(html.replace("http://www.w3.org/2000/svg", ""))
        .doesNotContainPattern(Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}"))
        .doesNotContainPattern("(?i)<(script|link|img|iframe)[^>]+(src|href)=\"(?!data:)");
  }

  @Test
  void insertsTextOnly() {
    assertThat(StatusPage.html())
        .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
  }
}
