"""A fake Discord (REST API + gateway websocket) for end-to-end tests of discord.py code.

It is an aiohttp server on 127.0.0.1:<ephemeral port>. The real discord.py client talks to
it through its real code paths (HTTP client, rate-limit handling, webhooks, gateway with
zlib-stream, CommandTree, views, DynamicItem, modals); nothing in discord.py is mocked.

Pointing discord.py at it
-------------------------
discord.py reads two class attributes::

    discord.http.Route.BASE = fake.api_base_url            # "http://127.0.0.1:PORT/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
                                                           # "ws://127.0.0.1:PORT/gateway"

``fake.patch_discord_py()`` sets both (``fake.running(client)`` calls it); a bot that sets
them itself from ``DISCORD_API_BASE_URL`` / ``DISCORD_GATEWAY_URL`` gets the values from
``fake.env()`` (also has ``DISCORD_TOKEN`` and ``CITEBOT_GUILD_IDS``). The ``fake_discord``
fixture restores both attributes after the test whoever changed them.

Fixture and lifecycle
---------------------
``fake_discord`` (pytest fixture, registered in tests/conftest.py): a started
``FakeDiscord``, closed after the test. Outside pytest: ``async with FakeDiscord() as fake``.
Options: ``token``, ``interaction_deadline`` (3.0 s like Discord: a callback later than that
gets 404 "Unknown interaction"; None disables), ``strict_commands`` (interactions only for
synced commands), ``allowed_privileged_intents`` (portal switches; IDENTIFY asking for
another privileged intent is closed with 4014 -> ``discord.PrivilegedIntentsRequired``),
``echo_bot_messages`` (the bot's own non-ephemeral messages come back as MESSAGE_CREATE /
MESSAGE_UPDATE, like Discord), ``heartbeat_interval_ms``.

``async with fake.running(client, ready_timeout=10):`` starts ``client.start(fake.token)``,
waits for on_ready, and closes the client cleanly at the end. Build the client with
``guild_ready_timeout=0.05`` or discord.py waits its default 2 s before on_ready. To run the
bot as a subprocess instead, pass ``fake.env()`` and ``await fake.wait_for_session()``.

The world (default cast)
------------------------
``fake.bot_user`` (FakeUser; its id is also ``fake.application_id``), ``fake.guild``
("Test Guild"), ``fake.channel`` (#general), ``fake.questions_channel`` (#questions),
roles ``fake.moderators_role`` (Manage Messages) and ``fake.reviewers_role`` (no
permissions), members ``fake.owner`` (guild owner and application owner),
``fake.moderator`` (Moderators), ``fake.member`` (alice, no special permissions),
``fake.reviewer`` (rita, Reviewers), ``fake.bot_member``. Add more with
``fake.guild.add_member("bob", roles=[...])``, ``fake.guild.add_role(name, perms)``,
``fake.guild.add_text_channel(name)``, ``fake.world.add_guild(name)`` (before the client
connects), ``fake.world.dm_channel(user)``. ``x.mention`` gives ``<@id>`` / ``<@&id>``.
Without the members intent discord.py caches only the bot's own member (as with Discord).

Acting as users (each waits for a live gateway session, returns a ``SentInteraction``)
-------------------------------------------------------------------------------------
- ``await fake.slash("ask", {"question": "..."}, user=fake.member, channel=...)``; use
  "reports list" for subcommands. Option types come from the synced command (unknown or
  missing required options raise ``FakeDiscordError``; so does a member lacking the
  command's ``default_member_permissions``), else from the Python values. FakeMember,
  FakeUser, FakeChannel, FakeRole values are sent with ``resolved`` data.
- ``await fake.autocomplete("timeline", {"year": "19"}, focused="year")``
- ``await fake.click(message, custom_id=None, label=None, values=None, user=...)``: a button
  (or select with ``values``) on a stored message, found by custom_id, label, or as the only
  one; the payload carries the message as stored, which DynamicItem needs.
- ``await fake.submit_modal({"Reason": "...", "Category": "wrong"}, modal=None, user=None)``:
  fills the latest modal the bot opened (or ``modal=<SentInteraction>``); keys are input
  labels or custom_ids; select values are strings or lists. User defaults to the opener.
- ``await fake.message_command("Report answer", message, user=...)``,
  ``await fake.user_command(name, target, user=...)``: context menus.
- ``await fake.send_message(content, author=fake.member, channel=..., reply_to=msg)``:
  MESSAGE_CREATE; ``<@id>`` mentions fill ``mentions``. Without the message content intent
  the bot receives blank content unless it is mentioned (Discord's rule). Returns the
  stored message dict.
- ``await fake.dispatch(event, data)``: any raw DISPATCH event. ``await fake.reconnect()``
  sends op 7; discord.py RESUMEs and missed events are replayed.

SentInteraction (``ix``)
------------------------
``ix.id``, ``ix.token``, ``ix.payload`` (what was dispatched), ``ix.user``, ``ix.channel``;
``await ix.wait_callback()`` -> the accepted initial response (``.json["type"]``: 4 message,
5 defer, 6 deferred update, 7 update, 8 autocomplete, 9 modal); ``ix.callback_type``;
``await ix.wait_followup(index=0)`` -> the index-th accepted follow-up request;
``await ix.wait_original()`` -> the response message once it is not "thinking...";
``ix.original`` / ``ix.followups`` (message dicts as stored now); ``ix.modal`` (the modal
data if answered with one); ``ix.choices`` (autocomplete); ``ix.requests``;
``await ix.wait_request("PATCH", "/messages/@original")``.
As on Discord, the first follow-up after a type-5 defer replaces the loading message
(same id, keeps the defer's ephemeral flag); a second callback gets 400 (code 40060); a
follow-up before any callback gets 404 "Unknown Webhook".

Recorded state and assertions
-----------------------------
- ``fake.requests``: every REST request in order, as ``RecordedRequest`` with ``method``,
  ``path`` (relative to /api/v10, no query), ``query``, ``json`` (body, or multipart
  ``payload_json``), ``files`` (``RecordedFile``: ``field``, ``filename``,
  ``content_type``, ``data``, ``.text()``), ``headers`` (no Authorization), ``authorized``,
  ``status``, ``response`` (the JSON answered), ``injected``, ``ok``.
- ``fake.find_requests(method="*", path_regex=".*", status=None, ok=None, predicate=None)``
- ``await fake.wait_for_request(method, path_regex, status=, ok=, predicate=, nth=0,
  timeout=5)``: already-recorded requests count, so there is no race. ``path_regex`` must
  match the whole path, e.g. ``r"/channels/\\d+/messages"``, ``r"/webhooks/\\d+/[^/]+"``
  (follow-ups), ``r"/interactions/\\d+/[^/]+/callback"``.
- ``await fake.wait_until(lambda: ..., timeout=5, what="...")``: first truthy value.
- ``fake.messages`` (id -> message dict, current state), ``fake.components(message)``,
  ``fake.commands`` (guild id or None for global -> synced command dicts),
  ``fake.find_command(name, guild_id)``, ``fake.interactions``, ``fake.modals``,
  ``fake.identifies`` (IDENTIFY payloads: token, intents), ``fake.sessions``,
  ``fake.connections`` (``.query`` of the ws URL, ``.heartbeats``), ``fake.unhandled``
  (requests to routes the fake does not know: 404/405), ``fake.attachments``.

Faults
------
``rule = fake.fail_next(method, path_regex, times=1, status=429, retry_after=0.05,
is_global=False, body=None)``: the next ``times`` matching requests get the error instead
(429 with ``Retry-After``, ``X-RateLimit-*``, ``Via`` and a JSON body with ``retry_after``
and ``global``, which discord.py sleeps on and retries). ``rule.hits``, ``rule.remaining``.

Discord's rules the fake enforces
---------------------------------
401 for a wrong bot token (discord.py raises LoginFailure); gateway close 4004 for a bad
token in IDENTIFY; 400 "Invalid Form Body" (code 50035) for messages, embeds, components,
modals and autocomplete choices over Discord's limits (see ``limits.py``); 400 (50006) for
an empty message; replies ping the replied-to author only when allowed_mentions lets them.

REST routes served
------------------
GET /gateway, /gateway/bot, /users/@me, /users/{id}, /oauth2/applications/@me; POST
/users/@me/channels; GET/PUT/POST /applications/{app}[/guilds/{g}]/commands, DELETE
.../commands/{id}; POST /interactions/{id}/{token}/callback; POST /webhooks/{app}/{token};
GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id|@original}; GET /channels/{id}; POST
and GET /channels/{id}/messages; GET/PATCH/DELETE /channels/{id}/messages/{id}; POST
/channels/{id}/typing; PUT/DELETE reactions/{emoji}/@me; GET /guilds/{id}[/channels|/roles|
/members/{user}]; POST /channels/{id}/messages/{id}/threads (a public thread with the
message's id, THREAD_CREATE dispatched; post in it with ``send_message(channel=thread)``,
``guild.get_channel(thread_id)``). Attachments are served at ``fake.base_url + /attachments/...``.
Not modelled: channel permission overwrites, private threads, thread members and archiving,
sharding beyond one shard, voice.
"""

from .interactions import FakeDiscordError, SentInteraction
from .records import FaultRule, RecordedFile, RecordedRequest
from .server import FakeDiscord
from .world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "FaultRule",
    "RecordedFile",
    "RecordedRequest",
    "SentInteraction",
]
