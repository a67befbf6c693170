from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import FilingStatus, InstitutionKind, ItemSource, MaterialKind
from institutions.models.batches import Batch
from institutions.models.institutions import institution_scope
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, Level, Role
from skilleval.models import OccupationLevel, Region
from skilleval.models.regions import PROVINCE_CODE
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.institutions import EligibleAsSocialOrg, InstitutionScopeAllows
from skilleval.rules.occupations import OccupationEvaluable
from skilleval.uploads import validate_document


class FilingQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        condition = institution_scope(user, "institution__")
        if user.role == Role.CITY_STAFF:
            return condition | Q(authority_id=user.city_id)  # filed with this city
        return condition

    def waiting_for(self, user):
        """Submitted filings on this user's desk: filed with their city, or with the province for
        a province admin (who may decide any, Filing.may_be_decided_by, but files go to the
        authority they were filed with)."""
        authority = PROVINCE_CODE if user.is_province_admin else user.city_id
        return self.filter(status=FilingStatus.SUBMITTED, authority_id=authority)

    def valid_on(self, day: date):
        """Filings in force on the day: approved, started, not yet expired or ended (54号 五)."""
        return self.filter(status=FilingStatus.APPROVED, valid_from__lte=day, valid_until__gte=day)

    def scopes(self, on: date, *, proposed: Iterable["Filing"] = ()) -> dict[int, "FiledScope"]:
        """The filed scope on the day of each institution with a filing in this queryset: the union
        of ALL its valid filings (a new filing adds to the scope; it replaces another only when it
        says so). `proposed` are filings as a pending decision would leave them (status and
        validity in memory), so that a decision can be weighed before it is taken."""
        proposed = {filing.pk: filing for filing in proposed}
        filings = (
            self.filter(
                Q(pk__in=proposed)
                | Q(status=FilingStatus.APPROVED, valid_from__lte=on, valid_until__gte=on)
            )
            .select_related("authority")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=FilingItem.objects.select_related("occupation").order_by(
                        "occupation__code", "-level"
                    ),
                ),
                Prefetch("region_scope", queryset=Region.objects.order_by("code")),
            )
            .order_by("valid_from", "pk")
        )
        by_institution = defaultdict(list)
        for filing in filings:
            if filing.pk in proposed:
                decided = proposed[filing.pk]
                filing.status = decided.status
                filing.valid_from, filing.valid_until = decided.valid_from, decided.valid_until
            if filing.is_valid_on(on):
                by_institution[filing.institution_id].append(filing)
        return {pk: FiledScope(on=on, filings=found) for pk, found in by_institution.items()}


@dataclass
class ScopeItem:
    """One occupation × level of a filed scope, with the valid filings that grant it."""

    occupation: object
    level: int
    filings: list["Filing"]

    @property
    def valid_until(self) -> date:
        return max(filing.valid_until for filing in self.filings)

    @property
    def added_after_check(self) -> bool:
        return all(item.source == ItemSource.ADDED_AFTER_CHECK for item in self._items)

    @property
    def _items(self):
        return [
            item
            for filing in self.filings
            for item in filing.items.all()
            if item.occupation_id == self.occupation.pk and item.level == self.level
        ]

    def get_level_display(self) -> str:
        return Level(self.level).label


@dataclass
class FiledScope:
    """What an institution may evaluate on a day: every occupation × level of its valid filings,
    each in the regions of the filings that grant it (54号 五). Built only by
    FilingQuerySet.scopes()."""

    on: date
    filings: list["Filing"] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.filings)

    @cached_property
    def items(self) -> list[ScopeItem]:
        granted: dict[tuple[str, int], ScopeItem] = {}
        for filing in self.filings:
            for item in filing.items.all():
                key = (item.occupation.code, item.level)
                if key not in granted:
                    granted[key] = ScopeItem(item.occupation, item.level, [])
                granted[key].filings.append(filing)
        return [granted[key] for key in sorted(granted, key=lambda k: (k[0], -k[1]))]

    @cached_property
    def regions(self) -> list:
        found = {region.code: region for f in self.filings for region in f.region_scope.all()}
        return [found[code] for code in sorted(found)]

    @property
    def valid_from(self) -> date | None:
        return min((f.valid_from for f in self.filings), default=None)

    @property
    def valid_until(self) -> date | None:
        return max((f.valid_until for f in self.filings), default=None)

    def filings_granting(self, occupation, level: int) -> list["Filing"]:
        return next(
            (
                item.filings
                for item in self.items
                if item.occupation.pk == occupation.pk and item.level == level
            ),
            [],
        )

    def covers(self, occupation, level: int, region=None) -> bool:
        """One of the valid filings grants the occupation-level in the region."""
        return any(
            region is None or filing.covers_region(region)
            for filing in self.filings_granting(occupation, level)
        )


class ScopeReductionUnconfirmed(ValidationError):
    """A decision would leave open batches outside the filed scope; it is taken only once the
    decider confirms, having seen which (54号 五: nothing is evaluated outside the scope)."""

    def __init__(self, batches, on: date):
        self.batches = batches
        lines = [
            f"#{b.pk} {b.occupation.code} {b.occupation.name} {b.get_level_display()}"
            f"（{b.region.name}，{b.exam_starts_on:%Y-%m-%d}，{b.get_status_display()}）"
            for b in batches
        ]
        super().__init__(
            [
                gettext(
                    "自 %(on)s 起，以下 %(count)s 个进行中的评价批次将超出备案范围（苏人社办函〔2022〕54号 五），请确认后再作决定"
                )
                % {"on": f"{on:%Y-%m-%d}", "count": len(batches)},
                *lines,
            ],
            code="scope_reduction",
        )


class FilingManager(models.Manager.from_queryset(FilingQuerySet)):
    def open_draft(self, institution, *, user, province_level: bool = False) -> "Filing":
        """Start a filing with the HR department where the institution is located (属地备案,
        41号 三(四)); province-level institutions file with the province."""
        if not user.has_role(*INSTITUTION_ROLES) or user.institution_id not in (
            institution.pk,
            institution.parent_id,
        ):
            raise Forbidden(gettext("只能为本机构或其分支机构备案"))
        if province_level and institution.is_branch:
            raise ValidationError(gettext("分支机构在所在地备案"))
        authority = Region.objects.get(code=PROVINCE_CODE) if province_level else institution.city
        return self.create(institution=institution, authority=authority, created_by=user)


class Filing(models.Model):
    """A filing (备案) of an institution with the HR department where it is located: the
    occupations × levels it asks to evaluate, the regions, the materials of 41号 附件. Approval
    gives it a validity period; the approved filing is the institution's scope (54号 五)."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="filings"
    )
    authority = models.ForeignKey(
        "skilleval.Region", verbose_name=_("备案机关"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    region_scope = models.ManyToManyField(
        "skilleval.Region",
        verbose_name=_("地域范围"),
        related_name="+",
        blank=True,
        help_text=_("选择江苏省即全省"),
    )
    valid_from = models.DateField(_("有效期自"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    # A new filing adds to the institution's scope; only one that says so replaces another, which
    # then ends the day before it starts (the scope shrinks by intent, never by accident).
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替换备案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("提前终止时间"), null=True, blank=True)
    end_reason = models.CharField(_("提前终止原因"), max_length=500, blank=True)

    objects = FilingManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("备案")
        verbose_name_plural = _("备案")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=FilingStatus.APPROVED)
                | Q(
                    valid_from__isnull=False,
                    valid_until__isnull=False,
                    valid_until__gte=F("valid_from"),
                ),
                name="filing_approved_has_validity",
                violation_error_message=_("批准的备案须有有效期限"),
            ),
            models.CheckConstraint(
                condition=~Q(status=FilingStatus.REJECTED) | ~Q(decision_reason=""),
                name="filing_rejection_has_reason",
                violation_error_message=_("不予备案须说明理由"),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(status=FilingStatus.APPROVED, ended_by__isnull=False) & ~Q(end_reason=""),
                name="filing_early_end_is_decided_with_reason",
                violation_error_message=_("提前终止须由审核人说明理由"),
            ),
            models.CheckConstraint(
                condition=~Q(replaces=F("pk")),
                name="filing_does_not_replace_itself",
            ),
        ]

    def __str__(self):
        return f"{self.institution} 备案 #{self.pk}"

    @property
    def is_province_level(self) -> bool:
        return self.authority_id == PROVINCE_CODE

    def is_valid_on(self, day: date) -> bool:
        return self.status == FilingStatus.APPROVED and self.valid_from <= day <= self.valid_until

    def covers_region(self, region) -> bool:
        codes = {r.code for r in self.region_scope.all()}  # prefetched by scopes()
        return bool(codes & {PROVINCE_CODE, region.code, region.parent_id or ""})

    def set_region_scope(self, regions, *, user) -> None:
        """The regions (地域范围) where the institution asks to evaluate; 江苏省 means all."""
        with transaction.atomic():
            self._locked_draft(user).region_scope.set(regions)

    # --- materials (41号 附件) ---------------------------------------------------------------

    def required_materials(self) -> list[str]:
        """Everything on the checklist; branch criteria and list only for an organisation that
        has branches to select (a social training evaluation organisation, not a branch)."""
        needs_branch_list = (
            self.institution.kind == InstitutionKind.SOCIAL_ORG and not self.institution.is_branch
        )
        return [
            k for k in MaterialKind.values if k != MaterialKind.BRANCH_CRITERIA or needs_branch_list
        ]

    def missing_materials(self) -> list[str]:
        attached = set(self.materials.values_list("kind", flat=True))
        return [k for k in self.required_materials() if k not in attached]

    def attach_material(self, kind: str, upload, *, user) -> "FilingMaterial":
        self._require_manager(user)
        self._require_draft()
        validate_document(upload)
        material, _ = FilingMaterial.objects.update_or_create(
            filing=self,
            kind=kind,
            defaults={"file": upload, "original_name": upload.name[:200], "uploaded_by": user},
        )
        return material

    # --- occupations × levels ---------------------------------------------------------------

    def check_item(
        self, occupation, level: int, on: date | None = None, enterprise_spec: str = ""
    ) -> OccupationLevel:
        """Refuse an occupation-level this institution may not ask for, citing the clause. An
        employer without the national standard names its enterprise specification (54号 三)."""
        rules.require(OccupationEvaluable.id, {"occupation_code": occupation.code}, on)
        occupation_level = OccupationLevel.objects.filter(
            occupation=occupation, level=level
        ).first()
        if occupation_level is None:
            raise ValidationError(
                gettext(
                    "%(occupation)s 的国家职业技能标准未设置%(level)s，不得擅加职业技能等级（苏人社办函〔2022〕54号 三）"
                )
                % {"occupation": occupation, "level": Level(level).label},
                code="level_not_defined",
            )
        rules.require(
            InstitutionScopeAllows.id,
            {
                "institution_kind": self.institution.kind,
                "occupation_code": occupation.code,
                "level": level,
                **occupation_level.resource_facts,
                "has_enterprise_spec": bool(enterprise_spec.strip()),
            },
            on,
        )
        return occupation_level

    def add_item(self, occupation, level: int, *, user, enterprise_spec: str = "") -> "FilingItem":
        self.check_item(occupation, level, enterprise_spec=enterprise_spec)
        with transaction.atomic():
            self._locked_draft(user)
            item, _ = FilingItem.objects.update_or_create(
                filing=self,
                occupation=occupation,
                level=level,
                defaults={"enterprise_spec": enterprise_spec.strip()},
            )
        return item

    def remove_item(self, item: "FilingItem", *, user) -> None:
        with transaction.atomic():
            self._locked_draft(user)
            self.items.filter(pk=item.pk).delete()

    # --- workflow -------------------------------------------------------------------------

    def _require_draft(self):
        if self.status != FilingStatus.DRAFT:
            raise ValidationError(gettext("只有草稿状态的备案可以修改"))

    def _require_manager(self, user):
        if not self.institution.may_be_managed_by(user):
            raise Forbidden(gettext("只能修改本机构的备案"))

    def _locked_draft(self, user) -> "Filing":
        """The filing row locked for this transaction, refused unless it is still a draft: a
        change cannot slip in while the filing is being submitted."""
        self._require_manager(user)
        locked = Filing.objects.select_for_update().get(pk=self.pk)
        locked._require_draft()
        return locked

    def may_be_decided_by(self, user) -> bool:
        """The HR department it was filed with decides; province admins may decide any."""
        return user.is_province_admin or (
            user.role == Role.CITY_STAFF and user.city_id == self.authority_id
        )

    def problems_before_decision(self) -> list[str]:
        problems = []
        if not self.items.exists():
            problems.append(gettext("未申报任何职业（工种）和等级"))
        if not self.region_scope.exists():
            problems.append(gettext("未填写地域范围"))
        missing = [str(MaterialKind(k).label) for k in self.missing_materials()]
        if missing:
            problems.append(
                gettext("材料不全（中就培函〔2020〕41号 附件），缺：%(items)s")
                % {"items": gettext("、").join(missing)}
            )
        if self.institution.kind == InstitutionKind.SOCIAL_ORG:
            try:
                rules.require(EligibleAsSocialOrg.id, self.institution.eligibility_facts)
            except rules.RuleRefusal as refusal:
                problems.append(refusal.message)
        return problems

    def submit(self, *, user) -> None:
        self._require_manager(user)
        problems = self.problems_before_decision()
        if problems:
            raise ValidationError(problems)
        self._move(
            FilingStatus.DRAFT,
            FilingStatus.SUBMITTED,
            submitted_by=user,
            submitted_at=timezone.now(),
        )

    def set_replaces(self, replaced: "Filing | None", *, user) -> None:
        """Say that this draft replaces an approved filing of the same institution (an amendment):
        once approved, the replaced filing ends the day before this one starts."""
        if replaced is not None and (
            replaced.institution_id != self.institution_id
            or replaced.status != FilingStatus.APPROVED
        ):
            raise ValidationError(gettext("只能替换本机构已批准的备案"))
        with transaction.atomic():
            locked = self._locked_draft(user)
            locked.replaces = replaced
            locked.save(update_fields=["replaces"])
        self.replaces = replaced

    def batches_outside_after(self, decided: list["Filing"], on: date) -> list:
        """The institution's open batches that its filed scope covers on the day, and would not
        once `decided` (filings as a decision leaves them, in memory) take effect."""
        on = max(on, timezone.localdate())
        empty = FiledScope(on=on)
        filings = Filing.objects.filter(institution_id=self.institution_id)
        before = filings.scopes(on).get(self.institution_id, empty)
        after = filings.scopes(on, proposed=decided).get(self.institution_id, empty)
        return [
            batch
            for batch in Batch.objects.filter(institution_id=self.institution_id)
            .open()
            .select_related("occupation", "region")
            .order_by("exam_starts_on", "pk")
            if before.covers(batch.occupation, batch.level, batch.region)
            and not after.covers(batch.occupation, batch.level, batch.region)
        ]

    def _approval(self, valid_from: date, valid_until: date, replaced=None) -> list["Filing"]:
        """This filing and the one it replaces as approving it would leave them (in memory)."""
        decided = [
            Filing(
                pk=self.pk,
                status=FilingStatus.APPROVED,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        ]
        replaced = replaced or (self.replaces if self.replaces_id else None)
        last_day = valid_from - timedelta(days=1)
        if (
            replaced
            and replaced.status == FilingStatus.APPROVED
            and replaced.valid_until > last_day
        ):
            if last_day < replaced.valid_from:
                raise ValidationError(
                    gettext("替换备案须在被替换备案 #%(pk)s 开始（%(valid_from)s）之后生效")
                    % {"pk": replaced.pk, "valid_from": replaced.valid_from}
                )
            replaced.valid_until = last_day
            decided.append(replaced)
        return decided

    def batches_outside_on_approval(self, valid_from: date, valid_until: date) -> list:
        """For the approval page: the open batches approving with this validity would leave
        outside the scope (only a replacing filing can)."""
        if not self.replaces_id:
            return []
        replaced = Filing.objects.get(pk=self.replaces_id)
        return self.batches_outside_after(
            self._approval(valid_from, valid_until, replaced), valid_from
        )

    def _require_confirmed(self, decided: list["Filing"], on: date, confirmed: bool) -> None:
        if not confirmed:
            batches = self.batches_outside_after(decided, on)
            if batches:
                raise ScopeReductionUnconfirmed(batches, max(on, timezone.localdate()))

    def approve(
        self,
        *,
        user,
        valid_from: date,
        valid_until: date,
        note: str = "",
        confirm_scope_reduction: bool = False,
    ) -> None:
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该备案不由您审核"))
        if valid_until < valid_from:
            raise ValidationError(gettext("有效期至不得早于有效期自"))
        problems = self.problems_before_decision()
        if problems:
            raise ValidationError(problems)
        with transaction.atomic():
            replaced = (
                Filing.objects.select_for_update().get(pk=self.replaces_id)
                if self.replaces_id
                else None
            )
            decided = self._approval(valid_from, valid_until, replaced)
            self._require_confirmed(decided, valid_from, confirm_scope_reduction)
            self._move(
                FilingStatus.SUBMITTED,
                FilingStatus.APPROVED,
                decided_by=user,
                decided_at=timezone.now(),
                valid_from=valid_from,
                valid_until=valid_until,
                decision_reason=note,
            )
            if replaced in decided:  # it ends the day before this one starts
                replaced.ended_by, replaced.ended_at = user, timezone.now()
                replaced.end_reason = gettext("被备案 #%(pk)s 替换") % {"pk": self.pk}
                replaced.save(update_fields=["valid_until", "ended_by", "ended_at", "end_reason"])
            # 41号 三(五): a branch's online announcement starts once its local filing is approved.
            audited_update(
                self.institution,
                {"parent__isnull": False, "announced_on__isnull": True},
                announced_on=timezone.localdate(),
            )

    def end_early(
        self, *, user, last_day: date, reason: str, confirm_scope_reduction: bool = False
    ) -> None:
        """The HR department it was filed with ends an approved filing before its validity runs
        out (e.g. after a finding); its occupations leave the scope the next day."""
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该备案不由您审核"))
        if not reason.strip():
            raise ValidationError(gettext("请填写提前终止的理由"))
        with transaction.atomic():
            locked = Filing.objects.select_for_update().get(pk=self.pk)
            if locked.status != FilingStatus.APPROVED or not (
                locked.valid_from <= last_day < locked.valid_until
            ):
                raise ValidationError(
                    gettext("终止日期须在有效期内（%(valid_from)s 至 %(valid_until)s 之前）")
                    % {"valid_from": locked.valid_from, "valid_until": locked.valid_until}
                )
            decided = Filing(
                pk=self.pk, status=locked.status, valid_from=locked.valid_from, valid_until=last_day
            )
            self._require_confirmed(
                [decided], last_day + timedelta(days=1), confirm_scope_reduction
            )
            locked.valid_until, locked.end_reason = last_day, reason.strip()
            locked.ended_by, locked.ended_at = user, timezone.now()
            # save(), not update(): the audit log records the shortened validity.
            locked.save(update_fields=["valid_until", "ended_by", "ended_at", "end_reason"])
        self.refresh_from_db()

    def reject(self, *, user, reason: str) -> None:
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该备案不由您审核"))
        if not reason.strip():
            raise ValidationError(gettext("请填写不予备案的理由"))
        self._move(
            FilingStatus.SUBMITTED,
            FilingStatus.REJECTED,
            decided_by=user,
            decided_at=timezone.now(),
            decision_reason=reason.strip(),
        )

    def _move(self, from_status: str, to_status: str, **fields) -> None:
        """A conditional update: of two people pressing the same button, one wins, one is told."""
        if not audited_update(self, {"status": from_status}, status=to_status, **fields):
            self.refresh_from_db(fields=["status"])
            raise ValidationError(
                gettext("备案当前状态为“%(status)s”，操作未执行")
                % {"status": self.get_status_display()}
            )

    def add_occupation_after_check(
        self,
        *,
        user,
        occupation,
        level: int,
        standard_ok: bool,
        question_bank_ok: bool,
        venue_ok: bool,
        examiners_ok: bool,
        note: str = "",
        enterprise_spec: str = "",
    ) -> "FilingItem":
        """239号 三: while the filing is valid, an occupation is added after city staff check its
        standard, question bank, venue and examiners — no new filing."""
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该备案不由您审核"))
        if not self.is_valid_on(timezone.localdate()):
            raise ValidationError(
                gettext("备案不在有效期内，须重新备案（苏人社函〔2020〕239号 三）")
            )
        unchecked = [
            name
            for name, ok in [
                ("评价标准 standard", standard_ok),
                ("评价试题 question bank", question_bank_ok),
                ("场地设施 venue", venue_ok),
                ("考评人员 examiners", examiners_ok),
            ]
            if not ok
        ]
        if unchecked:
            raise ValidationError(
                gettext("须核实%(unchecked)s后方可添加（苏人社函〔2020〕239号 三）")
                % {"unchecked": "、".join(unchecked)}
            )
        self.check_item(occupation, level, enterprise_spec=enterprise_spec)
        with transaction.atomic():
            check = OccupationAdditionCheck.objects.create(
                filing=self,
                occupation=occupation,
                level=level,
                note=note,
                checked_by=user,
                standard_ok=True,
                question_bank_ok=True,
                venue_ok=True,
                examiners_ok=True,
            )
            item, created = FilingItem.objects.get_or_create(
                filing=self,
                occupation=occupation,
                level=level,
                defaults={
                    "source": ItemSource.ADDED_AFTER_CHECK,
                    "addition_check": check,
                    "enterprise_spec": enterprise_spec.strip(),
                },
            )
            if not created:
                raise ValidationError(gettext("该职业等级已在备案范围内"))
        return item


class FilingItem(models.Model):
    """One occupation × level in a filing's scope."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="items")
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    source = models.CharField(
        _("来源"), max_length=20, choices=ItemSource.choices, default=ItemSource.REQUESTED
    )
    # 54号 三: an employer may evaluate an occupation without a national standard only against
    # its enterprise evaluation specification filed with the appraisal centre.
    enterprise_spec = models.CharField(
        _("企业评价规范（已报职业技能鉴定机构备案）"),
        max_length=200,
        blank=True,
        help_text=_("规范名称及备案编号；仅用人单位在无国家职业技能标准时填写"),
    )
    addition_check = models.OneToOneField(
        "institutions.OccupationAdditionCheck",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="item",
    )

    class Meta:
        ordering = ["occupation__code", "-level"]
        verbose_name = _("备案职业等级")
        verbose_name_plural = _("备案职业等级")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "occupation", "level"],
                name="filing_item_unique",
                violation_error_message=_("该职业等级已在备案中"),
            ),
            models.CheckConstraint(
                condition=~Q(source=ItemSource.ADDED_AFTER_CHECK) | Q(addition_check__isnull=False),
                name="filing_item_added_after_check_has_check",
            ),
        ]

    def __str__(self):
        return f"{self.occupation} {self.get_level_display()}"


def material_path(material, filename):
    return f"filings/{material.filing_id}/{material.kind}/{filename}"


class FilingMaterial(models.Model):
    """One document of the 41号 附件 checklist attached to a filing."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("材料"), max_length=30, choices=MaterialKind.choices)
    file = models.FileField(_("文件"), upload_to=material_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("备案材料")
        verbose_name_plural = _("备案材料")
        constraints = [
            models.UniqueConstraint(fields=["filing", "kind"], name="filing_material_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class OccupationAdditionCheck(models.Model):
    """239号 三: city staff verified standard, question bank, venue and examiners before adding
    an occupation-level to a still-valid filing."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="addition_checks")
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    standard_ok = models.BooleanField(_("评价标准已核实"))
    question_bank_ok = models.BooleanField(_("评价试题已核实"))
    venue_ok = models.BooleanField(_("场地设施已核实"))
    examiners_ok = models.BooleanField(_("考评人员已核实"))
    note = models.CharField(_("核实情况"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("职业添加核实")
        verbose_name_plural = _("职业添加核实")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    standard_ok=True, question_bank_ok=True, venue_ok=True, examiners_ok=True
                ),
                name="addition_check_all_four_verified",
                violation_error_message=_("四项须全部核实"),
            )
        ]

    def __str__(self):
        return f"{self.filing} + {self.occupation} {self.level}"
