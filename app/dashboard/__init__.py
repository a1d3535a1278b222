"""驾驶舱, 脉络式比较 and forecasts (SPEC §6): the one domain that reads the others (through their public faces)."""
