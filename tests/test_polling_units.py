"""Small units of the polling loop that the end-to-end tests only cover in passing."""

from __future__ import annotations

import copy

from telegram import Update

from bot.channels.polling import AnsweredIds, without_old_keyboard

KEYBOARD = {"inline_keyboard": [[{"text": "English", "callback_data": "1|language|0|pick|en"}]]}
TAP = {
    "update_id": 7,
    "callback_query": {
        "id": "q7",
        "from": {"id": 42, "is_bot": False, "first_name": "A"},
        "chat_instance": "c",
        "data": "1|language|0|pick|en",
        "message": {
            "message_id": 3,
            "date": 0,
            "chat": {"id": 42, "type": "private"},
            "text": "Choose",
            "reply_markup": KEYBOARD,
        },
    },
}


def test_the_tapped_keyboard_is_dropped_and_the_rest_kept():
    original = copy.deepcopy(TAP)
    trimmed = without_old_keyboard(TAP)
    assert original == TAP  # the fetched update is not changed in place
    assert "reply_markup" not in trimmed["callback_query"]["message"]
    update = Update.de_json(trimmed, None)
    assert update.callback_query.data == "1|language|0|pick|en"
    assert update.callback_query.message.message_id == 3
    assert update.effective_chat.id == 42


def test_other_updates_pass_unchanged():
    message = {
        "update_id": 8,
        "message": {
            "message_id": 4,
            "date": 0,
            "chat": {"id": 42, "type": "private"},
            "text": "hi",
            "reply_markup": KEYBOARD,
        },
    }
    assert without_old_keyboard(message) is message
    inaccessible = {"update_id": 9, "callback_query": {"id": "q", "data": "x", "message": None}}
    assert without_old_keyboard(inaccessible) is inaccessible


def test_answered_ids_are_forgotten_once_the_offset_passes_them():
    answered = AnsweredIds()
    for update_id in (5, 6, 9):
        answered.add(update_id)
    answered.forget_below(6)  # a getUpdates with offset 6 confirmed 5: it cannot come back
    assert [i in answered for i in (5, 6, 9)] == [False, True, True]
    answered.forget_below(100)
    assert len(answered) == 0
