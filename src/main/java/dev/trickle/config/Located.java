package dev.trickle.config;

import java.nio.file.Path;

/** A value with the place it was declared, to name both places in a conflict. */
record Located<T>(T value, Path file, int line) {

  String where() {
    return file + ":" + line;
  }
}
