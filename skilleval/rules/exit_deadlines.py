"""239号 二: the exit of level-evaluation vocational qualifications from the national catalog."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from skilleval.rules.engine import Outcome, Rule, register

NOTICE_239_DATE = date(2020, 9, 14)


@register
class ExitApplicationDeadline(Rule):
    """239号 二(一): after an exit batch's cut-off no application (retakes included) is accepted."""

    id = "exit.application_deadline"
    clause = "苏人社函〔2020〕239号 二(一)"
    title_zh = "水平评价类职业资格退出目录后，逾期不得受理任何评价申请（含补考）"
    title_en = "No application (retakes included) after an exit batch's cut-off"
    valid_from = NOTICE_239_DATE

    class Facts(serializers.Serializer):
        exit_batch = serializers.ChoiceField(
            choices=[1, 2],
            error_messages={"invalid_choice": _("退出批次只能是 1 或 2")},
        )
        received_on = serializers.DateField()

    class Parameters(serializers.Serializer):
        batch_1_cutoff = serializers.DateField(default=date(2020, 9, 30))
        batch_2_cutoff = serializers.DateField(default=date(2020, 12, 31))

    def decide(self, facts, params, as_of):
        batch, received = facts["exit_batch"], facts["received_on"]
        deadline = params[f"batch_{batch}_cutoff"]
        if received <= deadline:  # the cut-off day itself is still inside
            return Outcome(
                {"allowed": True, "deadline": deadline},
                f"第{batch}批退出目录的职业资格，申请受理截止 {deadline}（含当日）；"
                f"{received} 收到的申请可以受理（{self.clause}）。",
                f"Exit batch {batch}: applications close on {deadline} (inclusive); "
                f"one received on {received} may be accepted ({self.clause}).",
            )
        return Outcome(
            {"allowed": False, "deadline": deadline},
            f"第{batch}批退出目录的职业资格，申请受理已于 {deadline} 截止；"
            f"{received} 收到的申请（含补考申请）不得受理（{self.clause}）。",
            f"Exit batch {batch}: applications closed on {deadline}; one received on "
            f"{received} (retakes included) may not be accepted ({self.clause}).",
        )


@register
class ExitCertificateIssueDeadline(Rule):
    """239号 二(三): no level-evaluation vocational qualification certificate on or after 2021-02-01;
    access-type (准入类) qualifications are not level-evaluation ones and go on (实施意见 四)."""

    id = "exit.certificate_issue_deadline"
    clause = "苏人社函〔2020〕239号 二(三)"
    title_zh = "水平评价类职业资格证书应于2021年2月1日前核发结束，逾期不得发放"
    title_en = "Level-evaluation vocational qualification certificates only before 2021-02-01"
    valid_from = NOTICE_239_DATE

    class Facts(serializers.Serializer):
        issue_date = serializers.DateField()
        # The occupation is an access-type (准入类) qualification: not level-evaluation, so not
        # stopped (实施意见 四; 41号 二(二)).
        access_type = serializers.BooleanField()

    class Parameters(serializers.Serializer):
        last_day = serializers.DateField(default=date(2021, 1, 31))

    def decide(self, facts, params, as_of):
        issued, last_day = facts["issue_date"], params["last_day"]
        if facts["access_type"]:
            return Outcome(
                {"allowed": True, "last_day": None},
                f"准入类职业资格保留在国家职业资格目录内，由国家规定的政府部门及其所属职业技能鉴定机构"
                f"核发职业资格证书，不受水平评价类证书 {last_day} 截止的限制（实施意见 四；{self.clause}）。",
                f"An access-type qualification stays in the national catalog: its vocational "
                f"qualification certificates are issued by the government's appraisal bodies, "
                f"unaffected by the {last_day} end for level-evaluation ones (实施意见 四; "
                f"{self.clause}).",
            )
        if issued <= last_day:
            return Outcome(
                {"allowed": True, "last_day": last_day},
                f"水平评价类职业资格证书最迟于 {last_day} 核发；{issued} 可以核发（{self.clause}）。",
                f"Level-evaluation vocational qualification certificates may be issued until "
                f"{last_day}; {issued} is allowed ({self.clause}).",
            )
        return Outcome(
            {"allowed": False, "last_day": last_day},
            f"水平评价类职业资格证书核发已于 {last_day} 结束；{issued} 不得发放（含补考人员和行业"
            f"职业资格证书），遗失或错证只能由原核发机构出具证明（{self.clause}）。",
            f"Issuance of level-evaluation vocational qualification certificates ended on "
            f"{last_day}; none may be issued on {issued} (retakes and industry certificates "
            f"included); a lost or wrong certificate gets a proof from the original issuer "
            f"({self.clause}).",
        )
