package io.fossil.chaos;

/** The nemeses, in the order the suite runs them before the random mix. */
enum Fault {
  /** kill -9 the owner of the most segments and restart it inside its old lease. */
  KILL("kill"),
  /** SIGSTOP an owner for longer than its lease, then SIGCONT: the zombie owner. */
  PAUSE("pause"),
  /** Cut an owner off from the placement group; it still reaches the store and the clients. */
  PARTITION("partition"),
  /** Slow an owner's link to the store: its writes land late, and may outlast its lease. */
  DELAY("delay"),
  /** kill -9 the placement leader and restart it. */
  LEADER("leader"),
  /** Moves, splits and merges through the admin API, under load. */
  ADMIN("admin"),
  /** Run an owner under libfaketime at half speed, and pause it past its lease. */
  CLOCK("clock");

  final String label;

  Fault(String label) {
    this.label = label;
  }

  static Fault parse(String label) {
    for (Fault f : values()) {
      if (f.label.equals(label)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no fault '" + label + "'");
  }
}
