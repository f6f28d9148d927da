"""Version 1 of the five consent documents.

These texts are what people sign: they are never edited. A change is a new version, in a
new data migration, and the subject is asked to read and sign it. Each row keeps the
sha256 of its body, which every signature records."""

import hashlib

from django.db import migrations

HOW_TO_WITHDRAW = """\
How to withdraw
You can withdraw this consent at any time, without giving a reason: open your memorial, \
choose "Consent", and "Withdraw" next to this consent. You will be asked to confirm once. \
Withdrawing cannot be undone, but you can always read this text again and sign it anew."""

DOCUMENTS = [
    {
        "scope": "corpus",
        "title": "Using your writing to build your memorial",
        "body": f"""\
This consent lets Legacy keep the writing you choose to upload (emails, chats, posts, \
journals and other texts) and use it to build your memorial: a twin that answers in your \
own words, for the people you invite.

What is processed
Only what you upload yourself. Legacy reads each file, keeps the passages you wrote as \
your voice and the rest as context, and splits them into short passages. From those it \
learns how you write: the words you reach for, how you open and close a letter, how you \
speak to family and to colleagues.

Where it happens
On the server that runs this Legacy. Your files and passages are stored encrypted, with \
a key that belongs to your memorial alone.

To find the right passages later, Legacy computes an "embedding" of each passage (a list \
of numbers that captures its meaning). This happens locally, on this server, with a model \
that runs here: your writing is never sent anywhere to be embedded.

What is not encrypted
Search needs two structures that cannot be encrypted and still be searched: the \
embeddings (vectors) and the index of words (lexemes) in each passage. They stay in clear \
in the database, readable by whoever runs the server, and they are deleted with \
everything else if you erase your memorial.

If this Legacy is set up to use an outside language model service to build or speak as \
your twin, the passages needed for a task are sent to that service for that task. The \
person running this Legacy decides whether one is used; without one, everything stays here.

{HOW_TO_WITHDRAW}

What withdrawing does
It takes effect at once. Nothing new is uploaded or processed: work that is waiting is \
dropped, and work that is running stops at its next step without saving half of it. What \
you have already uploaded stays stored, encrypted and unused, until you sign again or \
erase your memorial with the kill switch, which deletes it for good.""",
    },
    {
        "scope": "voice",
        "title": "Using your voice",
        "body": f"""\
This consent lets Legacy keep recordings of your voice that you choose to upload, and \
use them so that your memorial can speak with something of your voice.

What is processed
Only the recordings you upload yourself. Legacy analyses them here, on this server, and \
stores them encrypted with your memorial's own key.

Where it happens
If this Legacy is set up with a voice provider (for example ElevenLabs), a few of your \
recordings are sent to that provider to make a copy of your voice (a "voice clone"), which \
the provider keeps until it is deleted. If no provider is set up, no copy is made: your \
memorial speaks with a generic synthetic voice, and says so.

{HOW_TO_WITHDRAW}

What withdrawing does
It takes effect at once. Any copy of your voice at a provider is deleted through that \
provider straight away, and the deletion is recorded in your memorial's audit log. Your \
memorial stops speaking with your voice. Your recordings stay stored here, encrypted and \
unused, until you sign again or erase your memorial with the kill switch.""",
    },
    {
        "scope": "conversation_living",
        "title": "Conversations while you are alive",
        "body": f"""\
This consent lets the people you invite talk with your memorial while you are still \
alive, if you open it to them.

What happens in a conversation
Your twin answers from your own writing. It always says it is an AI memorial, never that \
it is you, and it refuses to authorise anything, to ask for money or passwords, or to \
give legal or estate instructions. When it does not know something, it says so instead \
of inventing it. Topics you have put off-limits stay off-limits.

What is kept
Conversations are stored encrypted with your memorial's own key. Your twin remembers \
facts a visitor shares with it, so it can remember them next time; each visitor can see \
and delete what it remembers about them. If this Legacy uses an outside language model \
service, the relevant passages and the recent conversation are sent to it to compose \
each reply.

{HOW_TO_WITHDRAW}

What withdrawing does
It takes effect at once. Open conversations are told that they have ended and are \
closed; nobody can start a new one. What was said so far stays stored, encrypted and \
unused, until you sign again or erase your memorial.""",
    },
    {
        "scope": "conversation_posthumous",
        "title": "Conversations after your death",
        "body": f"""\
This consent lets the people you invite talk with your memorial after your death.

When it begins
Only after a steward you named has proved your death, that proof has been reviewed by a \
person, and your memorial has been activated. Until then, nobody but you talks with it.

What happens in a conversation
The same care as in life: your twin says it is an AI memorial, answers from your own \
words, will not invent what it does not know, refuses anything to do with money, \
passwords, legal or estate matters, and keeps to the topics and the time limits you set \
in your wishes. If a visitor seems to be in crisis, it answers with care and tells your \
steward.

What is kept
Conversations are stored encrypted with your memorial's own key; what the twin remembers \
about each visitor, that visitor can see and delete. If this Legacy uses an outside \
language model service, the relevant passages and the recent conversation are sent to it \
to compose each reply. Your memorial ends as your wishes say: on the date you chose, or \
when a steward closes it.

{HOW_TO_WITHDRAW}

What withdrawing does
It takes effect at once: your memorial will not be opened for conversations after your \
death. Open conversations are told that they have ended and are closed.""",
    },
    {
        "scope": "commercial",
        "title": "Commercial use",
        "body": f"""\
This consent is separate from everything else, and you do not need it for your memorial \
to work.

What it covers
Uses of your twin, your words or your voice beyond keeping your memorial for the people \
you invite, where someone earns money from them: for example making your twin available \
to the public, or licensing your voice. Paying for your own Legacy plan is not \
commercial use. Without this consent, nothing of yours is used commercially, and Legacy \
itself does not train AI models on your writing or your voice.

Each specific use would still be described to you, and you could refuse it. Signing \
this only says that you are open to it.

{HOW_TO_WITHDRAW}

What withdrawing does
It takes effect at once: no new commercial use may begin, and any running use must stop.""",
    },
]


def install(apps, schema_editor):
    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    for document in DOCUMENTS:
        ConsentDocument.objects.get_or_create(
            scope=document["scope"],
            version=1,
            defaults={
                "title": document["title"],
                "body": document["body"],
                "sha256": hashlib.sha256(document["body"].encode("utf-8")).hexdigest(),
            },
        )


def uninstall(apps, schema_editor):
    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    ConsentDocument.objects.filter(version=1, title__in=[d["title"] for d in DOCUMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_consent_endings_tasks_actor_ref")]

    operations = [migrations.RunPython(install, uninstall)]
