"""The staff PIN pad: asks for the PIN (rate-limited), or has a new one typed twice."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mirror_app.pin import MAX_DIGITS, MIN_DIGITS, PinFormatError, PinLimiter, hash_pin, pin_problem

STYLE = """
QDialog{background:#1c1c1e;color:#eee}
QLabel{color:#eee;font-size:17px}
QLabel#title{font-size:22px;font-weight:600}
QLabel#message{color:#ffb454;font-size:15px}
QLineEdit{background:#000;color:#fff;border:2px solid #444;border-radius:8px;font-size:30px;padding:6px;
  letter-spacing:6px}
QLineEdit:focus{border-color:#2d6cdf}
QPushButton{background:#2c2c2e;color:#fff;border:none;border-radius:10px;font-size:24px;min-width:84px;
  min-height:60px}
QPushButton:pressed{background:#3a3a3c}
QPushButton:disabled{color:#666;background:#232325}
QPushButton#ok{background:#2d6cdf}
QPushButton#ok:disabled{background:#23406f}
QPushButton#cancel{font-size:17px;min-height:48px}
"""


class PinDialog(QDialog):
    """Asks for the staff PIN. `mode="verify"` checks it against `stored_hash` through `limiter`;
    `mode="set"` has a new PIN typed twice and leaves its hash in `new_hash`. Accepted on success."""

    def __init__(
        self,
        parent: QWidget | None,
        mode: str,
        stored_hash: str | None = None,
        limiter: PinLimiter | None = None,
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        if mode not in ("verify", "set"):
            raise ValueError(f"unknown PIN dialog mode {mode!r}")
        if mode == "verify" and not stored_hash:
            raise ValueError("verify mode needs the stored hash")
        self.mode = mode
        self.stored_hash = stored_hash
        self.limiter = limiter or PinLimiter()
        self.new_hash: str | None = None
        self._first: str | None = None
        self.setWindowTitle("Staff PIN")
        self.setObjectName("pinDialog")
        self.setStyleSheet(STYLE)
        self.setModal(True)

        self.title = QLabel("Staff PIN" if mode == "verify" else "Choose a staff PIN")
        self.title.setObjectName("title")
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.setMaxLength(MAX_DIGITS)
        self.field.setValidator(QRegularExpressionValidator(rf"[0-9]{{0,{MAX_DIGITS}}}", self.field))
        self.field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.field.returnPressed.connect(self.submit)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        pad = QGridLayout()
        pad.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for i, label in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]):
            button = QPushButton(label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            if label == "OK":
                button.setObjectName("ok")
                button.clicked.connect(self.submit)
            elif label == "⌫":
                button.clicked.connect(self.field.backspace)
            else:
                button.clicked.connect(lambda _=False, d=label: self.field.insert(d))
            pad.addWidget(button, i // 3, i % 3)
            self.keys[label] = button
        self.ok_button = self.keys["OK"]
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        if intro:
            note = QLabel(intro)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.prompt)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        layout.addLayout(pad)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)

        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self._reset_prompt()
        self._tick()
        self.field.setFocus()

    def _reset_prompt(self) -> None:
        if self.mode == "verify":
            self.prompt.setText("Enter the staff PIN.")
        elif self._first is None:
            self.prompt.setText(
                f"No staff PIN is set yet. Choose one ({MIN_DIGITS}–{MAX_DIGITS} digits) and keep it from shoppers."
            )
        else:
            self.prompt.setText("Type the same PIN again to confirm.")

    def _set_locked(self, locked: bool) -> None:
        self.field.setEnabled(not locked)
        for button in self.keys.values():
            button.setEnabled(not locked)
        if not locked:
            self.field.setFocus()

    def _tick(self) -> None:
        """While locked out: count down, keep the pad disabled; afterwards enable it again."""
        if self.mode != "verify":
            return
        wait = self.limiter.wait_s()
        if wait > 0:
            self._set_locked(True)
            self.message.setText(f"Too many wrong PINs. Try again in {int(wait + 0.999)} s.")
            if not self._countdown.isActive():
                self._countdown.start()
        else:
            if self._countdown.isActive():
                self._countdown.stop()
                self.message.setText("You can try again now.")
            self._set_locked(False)

    def submit(self) -> None:
        """Check the PIN typed (or take the new one)."""
        pin = self.field.text()
        self.field.clear()
        if self.mode == "verify":
            self._verify(pin)
        else:
            self._choose(pin)

    def _verify(self, pin: str) -> None:
        if not pin:
            return
        assert self.stored_hash is not None
        try:
            result = self.limiter.attempt(pin, self.stored_hash)
        except PinFormatError as exc:
            self.message.setText(f"The stored PIN cannot be read ({exc}). Fix or remove pin_hash in the settings.")
            return
        if result.ok:
            self.accept()
        elif result.wait_s > 0:
            self._tick()
        else:
            left = result.tries_left
            self.message.setText(f"Wrong PIN. {left} more {'try' if left == 1 else 'tries'} before a pause.")

    def _choose(self, pin: str) -> None:
        if self._first is None:
            problem = pin_problem(pin)
            if problem:
                self.message.setText(f"That PIN cannot be used: {problem}.")
                return
            self._first = pin
            self.message.setText("")
        elif pin != self._first:
            self._first = None
            self.message.setText("The two PINs differ. Start again.")
        else:
            self.new_hash = hash_pin(pin)
            self.accept()
        self._reset_prompt()
