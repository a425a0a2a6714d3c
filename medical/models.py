"""Medical care (docs/DOMAIN.md §Medical care; /shared/MEDICAL.md): designated institutions and the green channel
(就医绿色通道), family-doctor contracts (家庭医生签约), yearly health checks.

Every row that belongs to a family carries its household (visible where the household is, like every archive row);
institutions belong to a county and are read by everyone of the county. What a reader may see of the health values
is decided in accounts.sensitivity (FIELD_TIERS).
"""

from __future__ import annotations

from datetime import date, timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.models import HouseholdScopedQuerySet
from regions.paths import county_path
from regions.scope import ScopedQuerySet


class MedicalSettings(models.Model):
    """A county's medical settings (MEDICAL.md: the card, the discharge loop, 签而不约, the health check's age)."""

    county = models.OneToOneField(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="medical_settings"
    )
    certificate_counts = models.BooleanField(
        _("the special-assistance certificate counts as a green-channel card"), default=True
    )
    contact_card_counts = models.BooleanField(_("the contact card counts as a green-channel card"), default=True)
    handover_days = models.PositiveSmallIntegerField(
        _("hand-over to the family doctor within (days after discharge)"), default=3
    )
    doctor_visit_days = models.PositiveSmallIntegerField(
        _("the family doctor's follow-up home visit within (days after discharge)"), default=7
    )
    liaison_visit_days = models.PositiveSmallIntegerField(
        _("the contact's visit within (days after the doctor's follow-up)"), default=7
    )
    unserved_days = models.PositiveSmallIntegerField(
        _("signed but not served: no doctor's contact for (days)"), default=90
    )
    renewal_window_days = models.PositiveSmallIntegerField(_("renewals listed (days before the end)"), default=30)
    check_age = models.PositiveSmallIntegerField(_("yearly health check from the age of"), default=60)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("medical settings")
        verbose_name_plural = _("medical settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    handover_days__gte=1,
                    handover_days__lte=60,
                    doctor_visit_days__gte=1,
                    doctor_visit_days__lte=60,
                    liaison_visit_days__gte=1,
                    liaison_visit_days__lte=60,
                    unserved_days__gte=7,
                    unserved_days__lte=366,
                    renewal_window_days__gte=1,
                    renewal_window_days__lte=180,
                    check_age__gte=18,
                    check_age__lte=100,
                ),
                name="medicalsettings_ranges",
            ),
        ]

    def __str__(self) -> str:
        return str(self.county)


class InstitutionQuerySet(ScopedQuerySet["Institution"]):
    """Designated institutions are the county's: everyone whose area lies in the county reads them."""

    def scope_q(self, path: str) -> Q:
        return Q(county__path=county_path(path))

    def working(self) -> InstitutionQuerySet:
        """A working green channel (MEDICAL.md: coverage): active, a responsible person, written rules (a file or
        a summary) and at least one service offered."""
        return (
            self.filter(active=True)
            .exclude(responsible_name="")
            .exclude(services=[])
            .exclude(rules_file="", rules_summary="")
        )


def institution_rules_path(instance: Institution, filename: str) -> str:
    # The uploaded name is never used for the stored file (its extension comes from its first bytes).
    return f"medical/institutions/{instance.county_id}/{filename}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Institution(models.Model):
    """A designated medical institution (定点医疗机构) with a green channel."""

    class Level(models.TextChoices):
        VILLAGE_CLINIC = "village_clinic", _("Village clinic (村卫生室)")
        TOWNSHIP = "township", _("Township health centre (乡镇卫生院)")
        COMMUNITY = "community", _("Community health centre (社区卫生服务中心)")
        COUNTY = "county", _("County hospital (县级医院)")
        CITY = "city", _("City or higher hospital (市级及以上医院)")

    class Grade(models.TextChoices):
        UNGRADED = "0", _("Not graded (未定级)")
        GRADE_1 = "1", _("Grade 1 (一级)")
        GRADE_2 = "2", _("Grade 2 (二级)")
        GRADE_3 = "3", _("Grade 3 (三级)")

    class Service(models.TextChoices):
        # The fixed list of MEDICAL.md §Services.
        REGISTRATION = "registration", _("Priority registration (优先挂号)")
        CONSULTATION = "consultation", _("Priority consultation (优先就诊)")
        EXAMINATION = "examination", _("Priority examination (优先检查)")
        PAYMENT = "payment", _("Priority payment (优先缴费)")
        MEDICINE = "medicine", _("Priority medicine (优先取药)")
        BED = "bed", _("Priority hospital bed (优先住院)")
        REFERRAL = "referral", _("Two-way referral (双向转诊)")
        EMERGENCY = "emergency", _("Emergency green channel (急诊绿色通道)")
        GUIDE = "guide", _("Guide (导诊)")
        ESCORT = "escort", _("Escort (陪诊)")
        WATER = "water", _("Drinking water (饮水)")
        GLASSES = "glasses", _("Reading glasses (老花镜)")
        CART = "cart", _("Carts (推车)")
        WHEELCHAIR = "wheelchair", _("Wheelchairs (轮椅)")
        FREE_REGISTRATION = "free_registration", _("Free registration fee (免挂号费)")
        FREE_AMBULANCE = "free_ambulance", _("Free ambulance (120) trips (免费120)")

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="medical_institutions"
    )
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.UNGRADED)
    address = models.CharField(pgettext_lazy("institution", "address"), max_length=200, blank=True)
    responsible_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=24, blank=True)
    liaison_name = models.CharField(_("liaison"), max_length=50, blank=True)
    liaison_phone = models.CharField(_("liaison's phone"), max_length=24, blank=True)
    rules_file = models.FileField(_("green-channel rules (file)"), upload_to=institution_rules_path, blank=True)
    rules_file_name = models.CharField(max_length=200, blank=True)  # the uploaded name, shown and offered back
    rules_summary = models.TextField(_("green-channel rules (summary)"), blank=True)
    services = ArrayField(
        models.CharField(max_length=20, choices=Service.choices),
        verbose_name=_("services offered"),
        default=list,
        blank=True,
    )
    priority_window = models.BooleanField(_("a marked priority window (计划生育特殊家庭优先)"), default=False)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("designated institution")
        verbose_name_plural = _("designated institutions")
        ordering = ["county_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="institution_name_unique_per_county"),
            models.CheckConstraint(condition=~Q(name=""), name="institution_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_grade_2_or_above(self) -> bool:
        return self.grade in (self.Grade.GRADE_2, self.Grade.GRADE_3)

    @property
    def service_labels(self) -> list[str]:
        labels = dict(self.Service.choices)
        return [str(labels.get(s, s)) for s in self.services]


class _Household(HouseholdScopedQuerySet):
    household_prefix = "household__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class GreenCard(models.Model):
    """A member's dedicated green-channel card; the certificate and the contact card count by county setting."""

    class Kind(models.TextChoices):
        CONVENIENCE = "convenience", _("Convenient-care card (方便就医卡)")
        GREEN_CHANNEL = "green_channel", _("Green-channel pass (就医绿色通道证)")
        PRIORITY = "priority", _("Priority medical service card (优先医疗服务卡)")
        LOVE = "love", _("Love card (爱心卡)")
        OTHER = "other", _("Other card")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="green_cards"
    )
    member = models.ForeignKey(
        "households.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="green_cards"
    )
    kind = models.CharField(_("card"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("card number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issued on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("green-channel card")
        verbose_name_plural = _("green-channel cards")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("issued_on")),
                name="greencard_withdrawn_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ChannelUse(models.Model):
    """One use of the green channel; an inpatient use is a hospital stay, whose discharge opens the loop
    (hand-over to the family doctor → the doctor's follow-up visit → the contact's visit: medical.services)."""

    class Kind(models.TextChoices):
        OUTPATIENT = "outpatient", _("Outpatient (门诊)")
        EMERGENCY = "emergency", _("Emergency (急诊)")
        INPATIENT = "inpatient", _("Inpatient (住院)")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="channel_uses"
    )
    member = models.ForeignKey(
        "households.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="channel_uses"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="uses"
    )
    used_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    services = ArrayField(
        models.CharField(max_length=20, choices=Institution.Service.choices),
        verbose_name=_("services used"),
        default=list,
        blank=True,
    )
    fee_waived = models.DecimalField(_("fees waived (yuan)"), max_digits=10, decimal_places=2, default=0)
    ambulance = models.BooleanField(_("ambulance (120) used"), default=False)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    # On discharge: the family doctor the hospital hands over to (the contract's doctor, else the four-on-one post).
    handover_to = models.ForeignKey(
        "contacts.ServicePerson",
        verbose_name=_("handed over to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("green-channel use")
        verbose_name_plural = _("green-channel uses")
        ordering = ["-used_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(fee_waived__gte=0), name="channeluse_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True)
                | Q(admitted_on__isnull=False, discharged_on__gte=F("admitted_on")),
                name="channeluse_discharge_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(kind="inpatient", admitted_on__isnull=False)
                | (~Q(kind="inpatient") & Q(admitted_on__isnull=True)),
                name="channeluse_stay_only_inpatient",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "admitted_on"], name="channeluse_member_stay"),
            models.Index(fields=["institution", "used_on"], name="channeluse_institution_date"),
        ]

    def __str__(self) -> str:
        return f"{self.used_on} · {self.get_kind_display()} · {self.institution_id}"

    @property
    def is_stay(self) -> bool:
        return self.kind == self.Kind.INPATIENT

    @property
    def service_labels(self) -> list[str]:
        labels = dict(Institution.Service.choices)
        return [str(labels.get(s, s)) for s in self.services]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Contract(models.Model):
    """A family-doctor contract (家庭医生签约, 一年一签) of a household (``member`` empty) or of one member."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("Signed")
        ENDED = "ended", _("Ended")

    class EndReason(models.TextChoices):
        MOVED = "moved", _("Moved out of the area")
        UNREACHABLE = "unreachable", _("Unreachable for a year")
        REFUSED = "refused", _("Refused service for a year")
        RESIDENT = "resident", _("Ended by the resident")
        OTHER = "other", _("Other")

    class Package(models.TextChoices):
        BASIC = "basic", _("Basic services (基础包)")
        DISCOUNT = "discount", _("Treatment discounts (优惠包)")
        HEALTH_MANAGEMENT = "health_management", _("Health management (健康管理包)")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="doctor_contracts"
    )
    member = models.ForeignKey(
        "households.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="doctor_contracts",
        help_text=_("Empty: the contract covers the whole household."),
    )
    doctor = models.ForeignKey(
        "contacts.ServicePerson",
        verbose_name=_("family doctor (village)"),
        on_delete=models.PROTECT,
        related_name="doctor_contracts",
    )
    township_doctor = models.ForeignKey(
        "contacts.ServicePerson",
        verbose_name=_("township doctor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.CharField(_("team"), max_length=100, blank=True, help_text=_("e.g. a 3+1+N team"))
    clinic = models.CharField(_("clinic"), max_length=100, blank=True)
    clinic_phone = models.CharField(_("clinic phone"), max_length=24, blank=True)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.SIGNED)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason ended"), max_length=12, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note on ending"), max_length=200, blank=True)
    packages = ArrayField(
        models.CharField(max_length=20, choices=Package.choices), verbose_name=_("service package"), default=list
    )
    personalised = models.BooleanField(_("personalised package (个性化服务包)"), default=False)
    personalised_fee = models.DecimalField(
        _("personalised package fee (yuan per person)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    personalised_note = models.CharField(_("personalised services"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    # 一年一签: a contract runs one year unless said otherwise.
    TERM_DAYS = 365

    class Meta:
        verbose_name = _("family-doctor contract")
        verbose_name_plural = _("family-doctor contracts")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_end_after_start"),
            models.CheckConstraint(
                condition=Q(status="signed", ended_on__isnull=True, end_reason="")
                | (Q(status="ended", ended_on__isnull=False) & ~Q(end_reason="")),
                name="contract_ended_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("starts_on")),
                name="contract_ended_after_start",
            ),
            # No two contracts of one member at once: a household's contract (member empty: the int8range of NULL
            # bounds is unbounded, so it overlaps every member) or the same member's, over days that overlap.
            # btree_gist is not available: the ids as one-point int8ranges (as benefits' PayoutLine does).
            ExclusionConstraint(
                name="contract_no_overlap",
                expressions=[
                    (
                        Func(F("household_id"), F("household_id"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (Func(F("member_id"), F("member_id"), Value("[]"), function="int8range"), RangeOperators.OVERLAPS),
                    (
                        Func(F("starts_on"), Coalesce(F("ended_on"), F("ends_on")), Value("[]"), function="daterange"),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]
        indexes = [models.Index(fields=["household", "starts_on"], name="contract_household_start")]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.doctor_id} · {self.starts_on}"

    @property
    def package_labels(self) -> list[str]:
        labels = dict(self.Package.choices)
        return [str(labels.get(p, p)) for p in self.packages]

    @property
    def last_day(self) -> date:
        return self.ended_on or self.ends_on

    def is_current(self, *, on: date) -> bool:
        return self.starts_on <= on <= self.last_day

    @classmethod
    def default_end(cls, starts_on: date) -> date:
        return starts_on + timedelta(days=cls.TERM_DAYS - 1)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class HealthCheck(models.Model):
    """A member's yearly free health check (seed 000: members 60 and over; the age is a county setting)."""

    class Item(models.TextChoices):
        BLOOD = "blood", _("Blood routine (血常规)")
        URINE = "urine", _("Urine routine (尿常规)")
        URIC_ACID = "uric_acid", _("Uric acid (尿酸)")
        BLOOD_PRESSURE = "blood_pressure", _("Blood pressure (血压)")
        BIOCHEMISTRY = "biochemistry", _("Biochemistry (生化)")
        ULTRASOUND = "ultrasound", _("Ultrasound (B超)")
        ECG = "ecg", _("ECG (心电图)")
        CHEST_XRAY = "chest_xray", _("Chest X-ray (胸片)")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="health_checks"
    )
    member = models.ForeignKey(
        "households.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="health_checks"
    )
    checked_on = models.DateField(_("date of the check"))
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="health_checks",
    )
    items = ArrayField(models.CharField(max_length=16, choices=Item.choices), verbose_name=_("items"), default=list)
    abnormal_findings = models.TextField(_("abnormal findings"), blank=True)
    follow_up = models.TextField(_("follow-up advised"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-checked_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(items=[]), name="healthcheck_has_items"),
        ]
        indexes = [models.Index(fields=["member", "checked_on"], name="healthcheck_member_date")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.checked_on}"

    @property
    def item_labels(self) -> list[str]:
        labels = dict(self.Item.choices)
        return [str(labels.get(i, i)) for i in self.items]


# ============================================================================================ Disease and treatment
# Issue 16 part 6 (seed 004, health poverty alleviation: "三个一批"): the diagnosed diseases of a member (health
# tier), the treatment class, the follow-ups (a chronic patient's next follow-up is on the family doctor's worklist
# through the visits engine's event rules: medical.disease.services), the costs and their reimbursement.


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Diagnosis(models.Model):
    """A member's diagnosed disease and its treatment class of the "three batches" (三个一批)."""

    class Disease(models.TextChoices):
        # Chronic diseases under contracted management (seed 004).
        HYPERTENSION = "hypertension", _("Hypertension (高血压)")
        DIABETES = "diabetes", _("Diabetes (糖尿病)")
        TUBERCULOSIS = "tuberculosis", _("Tuberculosis (结核病)")
        SEVERE_MENTAL = "severe_mental", _("Severe mental illness (重性精神病)")
        STROKE = "stroke", _("Stroke sequelae (脑卒中后遗症)")
        COPD = "copd", _("Chronic obstructive pulmonary disease (慢阻肺)")
        # Major diseases of centralised treatment (the nine major diseases, cataract, cervical and breast cancer).
        CONGENITAL_HEART = "congenital_heart", _("Congenital heart disease (先天性心脏病)")
        LEUKAEMIA = "leukaemia", _("Leukaemia (白血病)")
        OESOPHAGEAL_CANCER = "oesophageal_cancer", _("Oesophageal cancer (食管癌)")
        GASTRIC_CANCER = "gastric_cancer", _("Gastric cancer (胃癌)")
        COLORECTAL_CANCER = "colorectal_cancer", _("Colon or rectal cancer (结直肠癌)")
        END_STAGE_RENAL = "end_stage_renal", _("End-stage renal disease (终末期肾病)")
        MDR_TB = "mdr_tb", _("Multidrug-resistant tuberculosis (耐多药结核病)")
        CATARACT = "cataract", _("Cataract (白内障)")
        CERVICAL_CANCER = "cervical_cancer", _("Cervical cancer (宫颈癌)")
        BREAST_CANCER = "breast_cancer", _("Breast cancer (乳腺癌)")
        OTHER = "other", _("Other disease")

    class TreatmentClass(models.TextChoices):
        CENTRALISED = "centralised", _("Centralised treatment (大病集中救治一批)")
        CHRONIC = "chronic", _("Contracted chronic management (慢病签约服务管理一批)")
        SAFETY_NET = "safety_net", _("Safety-net support (重病兜底保障一批)")
        NONE = "none", _("Not classed")

    class Status(models.TextChoices):
        TREATING = "treating", _("Under treatment")
        MANAGED = "managed", _("Under management")
        CURED = "cured", _("Cured")
        ENDED = "ended", _("Ended (death or moved away)")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="diagnoses"
    )
    member = models.ForeignKey(
        "households.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="diagnoses"
    )
    disease = models.CharField(_("disease"), max_length=20, choices=Disease.choices)
    disease_name = models.CharField(_("name of the disease"), max_length=100, blank=True)
    diagnosed_on = models.DateField(_("diagnosed on"))
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("diagnosed at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="diagnoses",
    )
    treatment_class = models.CharField(_("treatment class"), max_length=12, choices=TreatmentClass.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.TREATING)
    closed_on = models.DateField(pgettext_lazy("disease", "closed on"), null=True, blank=True)
    # Contracted chronic management: the family doctor follows up every so many days (the first follow-up is due
    # that long after the diagnosis; each follow-up sets the next).
    follow_up_days = models.PositiveSmallIntegerField(_("follow up every (days)"), default=90)
    next_due = models.DateField(_("next follow-up due"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["-diagnosed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(disease="other") | ~Q(disease_name=""), name="diagnosis_other_has_name"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["treating", "managed"], closed_on__isnull=True)
                | Q(status__in=["cured", "ended"], closed_on__isnull=False),
                name="diagnosis_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("diagnosed_on")),
                name="diagnosis_closed_after_diagnosis",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_days__gte=7, follow_up_days__lte=366), name="diagnosis_follow_up_days_range"
            ),
        ]
        indexes = [models.Index(fields=["member", "diagnosed_on"], name="diagnosis_member_date")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.disease} · {self.diagnosed_on}"

    @property
    def label(self) -> str:
        if self.disease == self.Disease.OTHER:
            return self.disease_name
        base = str(self.get_disease_display())
        return f"{base} · {self.disease_name}" if self.disease_name else base

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_chronic_managed(self) -> bool:
        return self.treatment_class == self.TreatmentClass.CHRONIC and self.is_open


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class DiseaseFollowUp(models.Model):
    """A follow-up of a diagnosed disease: when, by whom, how, the result and when the next is due."""

    class Method(models.TextChoices):
        HOME = "home", _("Home visit")
        CLINIC = "clinic", _("At the clinic or hospital")
        PHONE = "phone", _("Phone call")
        ONLINE = "online", _("Online")

    class Result(models.TextChoices):
        STABLE = "stable", _("Stable (控制满意)")
        IMPROVED = "improved", _("Improved")
        UNSTABLE = "unstable", _("Not controlled (控制不满意)")
        COMPLICATION = "complication", _("Complication")
        REFERRED = "referred", _("Referred to a hospital (转诊)")

    diagnosis = models.ForeignKey(
        Diagnosis, verbose_name=_("diagnosis"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    followed_on = models.DateField(_("date"))
    by_person = models.ForeignKey(
        "contacts.ServicePerson",
        verbose_name=_("by (family doctor)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_name = models.CharField(_("by (another doctor)"), max_length=50, blank=True)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    result_note = models.TextField(_("findings and advice"), blank=True)
    next_due = models.DateField(_("next follow-up due"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("disease follow-up")
        verbose_name_plural = _("disease follow-ups")
        ordering = ["-followed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_person__isnull=False) | ~Q(by_name=""), name="diseasefollowup_has_author"
            ),
            models.CheckConstraint(
                condition=Q(next_due__isnull=True) | Q(next_due__gt=F("followed_on")),
                name="diseasefollowup_next_after",
            ),
        ]
        indexes = [models.Index(fields=["diagnosis", "followed_on"], name="diseasefollowup_diag_date")]

    def __str__(self) -> str:
        return f"{self.diagnosis_id} · {self.followed_on}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class TreatmentCost(models.Model):
    """The cost of a treatment of a diagnosed disease and how it was paid: basic medical insurance, serious-illness
    insurance, medical assistance, the safety net (兜底), other; the rest is paid by the family."""

    class Kind(models.TextChoices):
        INPATIENT = "inpatient", _("Inpatient (住院)")
        OUTPATIENT = "outpatient", _("Outpatient (门诊)")
        CHRONIC_OUTPATIENT = "chronic_outpatient", _("Chronic-disease outpatient (门诊慢病)")

    diagnosis = models.ForeignKey(
        Diagnosis, verbose_name=_("diagnosis"), on_delete=models.CASCADE, related_name="costs"
    )
    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    incurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("total cost (yuan)"), max_digits=12, decimal_places=2)
    insurance = models.DecimalField(_("basic medical insurance (yuan)"), max_digits=12, decimal_places=2, default=0)
    serious_illness = models.DecimalField(
        _("serious-illness insurance (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    assistance = models.DecimalField(_("medical assistance (yuan)"), max_digits=12, decimal_places=2, default=0)
    safety_net = models.DecimalField(_("safety net (兜底, yuan)"), max_digits=12, decimal_places=2, default=0)
    other = models.DecimalField(_("other support (yuan)"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    REIMBURSED_FIELDS = ("insurance", "serious_illness", "assistance", "safety_net", "other")

    class Meta:
        verbose_name = _("treatment cost")
        verbose_name_plural = _("treatment costs")
        ordering = ["-incurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total__gte=0,
                    insurance__gte=0,
                    serious_illness__gte=0,
                    assistance__gte=0,
                    safety_net__gte=0,
                    other__gte=0,
                ),
                name="treatmentcost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total__gte=F("insurance") + F("serious_illness") + F("assistance") + F("safety_net") + F("other")
                ),
                name="treatmentcost_reimbursed_le_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnosis_id} · {self.incurred_on} · {self.total}"

    @property
    def reimbursed(self):  # type: ignore[no-untyped-def]
        return sum((getattr(self, name) for name in self.REIMBURSED_FIELDS), start=type(self.total)(0))

    @property
    def self_paid(self):  # type: ignore[no-untyped-def]
        return self.total - self.reimbursed


# ====================================================================================================================
# Mental health (issue 16 part 5; MEDICAL.md "Mental health"): assessments with a scored instrument, the assessor's risk
# level and the action it calls for. The most sensitive data of the system: every content field is of the tier
# MENTAL_HEALTH (accounts.sensitivity.FIELD_TIERS), read by the family doctor and county staff only, each read
# logged (medical.mental). The instruments and their scoring are medical.mental.instruments.
# ====================================================================================================================


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MentalAssessment(models.Model):
    """One scored assessment of a member with an instrument, given with the person's consent."""

    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"
        CESD = "cesd", "CES-D"
        GDS30 = "gds30", "GDS-30"
        SAS = "sas", "SAS"
        PCL5 = "pcl5", "PCL-5"
        SCL90 = "scl90", "SCL-90"
        PG13 = "pg13", "PG-13"

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        IMMEDIATE = "immediate", _("Immediate")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="mental_assessments"
    )
    member = models.ForeignKey(
        "households.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="mental_assessments"
    )
    assessed_on = models.DateField(_("date of the assessment"))
    instrument = models.CharField(_("instrument"), max_length=8, choices=Instrument.choices)
    # The answer to each item, in the item's own range (medical.mental.instruments); never partial.
    answers = ArrayField(models.SmallIntegerField(), verbose_name=_("answers"))
    # The sum the portal computed (SAS: the raw sum) and the score its bands are read on (SAS: the index, raw × 1.25).
    total = models.SmallIntegerField(_("total"))
    score = models.SmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=24)
    # What else the scoring found (SCL-90: the factor means; PG-13: the criteria met), json-able.
    details = models.JSONField(_("scoring details"), default=dict, blank=True)
    consent = models.BooleanField(_("the person consented to the assessment"))
    risk_level = models.CharField(_("risk level"), max_length=10, choices=Risk.choices)
    action = models.TextField(_("action called for"))
    notes = models.TextField(_("notes"), blank=True)
    # PHQ-9 item 9 above 0, or a high or immediate level: an urgent follow-up (medical.mental.services).
    urgent = models.BooleanField(_("urgent follow-up"), default=False)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assessor_name = models.CharField(_("assessor"), max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _Household.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(consent=True), name="mentalassessment_consent"),
            models.CheckConstraint(condition=~Q(action=""), name="mentalassessment_action_not_blank"),
            models.CheckConstraint(
                condition=Q(risk_level__in=["low", "medium", "high", "immediate"]), name="mentalassessment_risk_valid"
            ),
        ]
        indexes = [models.Index(fields=["household", "assessed_on"], name="mentalassessment_household")]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.assessed_on}"

    @property
    def band_label(self) -> str:
        from medical.mental.instruments import band_label

        return band_label(self.instrument, self.band)
