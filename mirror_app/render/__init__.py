"""The ModernGL compositor: one code path hosted by the Qt widget or a standalone EGL context."""
