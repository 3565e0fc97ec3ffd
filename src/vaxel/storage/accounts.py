"""SIP accounts: a device's credentials, stored as digest HA1 values only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.accounts import DeviceKind, SipAccount, digest_ha1, validate_password
from vaxel.domain.presence import Channel
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import PersonRow, SipAccountRow


def account_of(row: SipAccountRow) -> SipAccount:
    return SipAccount(
        id=row.id,
        username=row.username,
        person_id=row.person_id,
        device=DeviceKind(row.device),
        realm=row.realm,
        ha1_md5=row.ha1_md5,
        ha1_sha256=row.ha1_sha256,
        label=row.label,
    )


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        username: str,
        person_id: int,
        device: DeviceKind,
        realm: str,
        password: str,
        *,
        actor: str,
        channel: Channel,
        label: str = "",
    ) -> SipAccount:
        """A new account; the password is hashed here and then forgotten."""
        account = SipAccount.create(0, username, person_id, device, realm, password, label)
        return self.add(account, actor=actor, channel=channel)

    def add(self, account: SipAccount, *, actor: str, channel: Channel) -> SipAccount:
        """Store an account built by ``SipAccount.create`` (``account.id`` is ignored)."""
        if self.account(account.realm, account.username) is not None:
            raise ValueError(f"username: {account.username} already has an account")
        row = SipAccountRow(
            username=account.username,
            person_id=account.person_id,
            device=str(account.device),
            realm=account.realm,
            ha1_md5=account.ha1_md5,
            ha1_sha256=account.ha1_sha256,
            label=account.label,
        )
        self.session.add(row)
        self.session.flush()
        audit(
            self.session,
            actor,
            channel,
            "sip_account.add",
            f"sip_account:{row.id}",
            f"{row.username}@{row.realm} person:{row.person_id}",
        )
        note_change(self.session, "sip_account", row.id)
        return account_of(row)

    def set_password(self, account_id: int, password: str, *, actor: str, channel: Channel) -> None:
        row = self._row(account_id)
        validate_password(password, row.username)
        row.ha1_md5 = digest_ha1(row.username, row.realm, password, "MD5")
        row.ha1_sha256 = digest_ha1(row.username, row.realm, password, "SHA-256")
        audit(self.session, actor, channel, "sip_account.password", f"sip_account:{row.id}")
        note_change(self.session, "sip_account", row.id)

    def set_enabled(self, account_id: int, enabled: bool, *, actor: str, channel: Channel) -> None:
        row = self._row(account_id)
        row.enabled = enabled
        action = "sip_account.enable" if enabled else "sip_account.disable"
        audit(self.session, actor, channel, action, f"sip_account:{row.id}")
        note_change(self.session, "sip_account", row.id)

    def remove(self, account_id: int, *, actor: str, channel: Channel) -> None:
        row = self._row(account_id)
        self.session.delete(row)
        audit(self.session, actor, channel, "sip_account.remove", f"sip_account:{account_id}")
        note_change(self.session, "sip_account", account_id)

    def account(self, realm: str, username: str) -> SipAccount | None:
        """The enabled account for a digest challenge, or None."""
        row = self.session.scalar(
            select(SipAccountRow).where(
                SipAccountRow.realm == realm,
                SipAccountRow.username == username,
                SipAccountRow.enabled.is_(True),
            )
        )
        return None if row is None else account_of(row)

    def accounts(self, person_id: int | None = None) -> list[SipAccount]:
        query = select(SipAccountRow).order_by(SipAccountRow.username)
        if person_id is not None:
            query = query.where(SipAccountRow.person_id == person_id)
        return [account_of(r) for r in self.session.scalars(query)]

    def in_service(self, realm: str, on: date) -> list[SipAccount]:
        """The accounts that may authenticate on that day: enabled, in ``realm``, of people who
        work for us then (``domain.people.is_active``: started, and not past their end date).
        Policy §1: a contractor's phones stop working after their last day."""
        query = (
            select(SipAccountRow)
            .join(PersonRow, PersonRow.id == SipAccountRow.person_id)
            .where(
                SipAccountRow.realm == realm,
                SipAccountRow.enabled.is_(True),
                PersonRow.valid_from.is_(None) | (PersonRow.valid_from <= on),
                PersonRow.valid_to.is_(None) | (PersonRow.valid_to >= on),
            )
            .order_by(SipAccountRow.username)
        )
        return [account_of(r) for r in self.session.scalars(query)]

    def _row(self, account_id: int) -> SipAccountRow:
        row = self.session.get(SipAccountRow, account_id)
        if row is None:
            raise NotFound(f"no SIP account with id {account_id}")
        return row
