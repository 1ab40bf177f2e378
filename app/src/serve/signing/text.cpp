#include "text.hpp"

#include <cctype>

namespace signflow::app::signing {

namespace {

// The ESIGN Act (15 U.S.C. 7001(c)) asks that a consumer, before agreeing
// to electronic records, is told: that paper is available, that consent can
// be withdrawn and how, what the consent covers, how to get a paper copy,
// and what hardware and software are needed.
constexpr char const* esign_en =
    "Before you sign, please read this. You agree to receive and sign this document and the records about it "
    "electronically, and that your electronic signature has the same effect as a signature on paper. This "
    "agreement covers this envelope only. You may ask the sender for a paper copy of any document at no charge, "
    "and you may withdraw this agreement at any time before you sign by declining to sign or by telling the "
    "sender; withdrawing does not undo what was signed before. To take part you need a current web browser and "
    "a way to open or save PDF files. Your agreement, the time, your IP address and browser are recorded in "
    "the envelope's audit trail.";

constexpr char const* esign_zh =
    "签署前请阅读：您同意以电子方式接收并签署本文件及相关记录，且您的电子签名与纸质签名具有同等效力。"
    "本同意仅适用于此信封。您可随时免费向发送方索取任何文件的纸质副本；在签署前，您可以通过“拒绝签署”"
    "或告知发送方撤回本同意，撤回不影响此前已签署的内容。参与签署需要一个较新的网页浏览器以及打开或保存 PDF "
    "文件的方式。您的同意、时间、IP 地址和浏览器信息将记录在此信封的审计记录中。";

Text const en{
    "en",
    "Secure signing",
    "Envelope",
    "This link is not valid",
    "The link may be mistyped or incomplete. Ask the sender for a new link.",
    "This envelope is complete",
    "This envelope was declined",
    "This envelope has expired",
    "This envelope was cancelled",
    "This envelope could not be completed",
    "There is nothing left to sign here. Contact the sender if you have questions.",
    "Agree to do business electronically",
    esign_en,
    "I have read this and agree to use electronic records and signatures.",
    "Agree and continue",
    "Confirm it is you",
    "We sent a code by text message to your phone.",
    "We sent a code to your email address.",
    "Code",
    "Confirm",
    "Send me a new code",
    "That code is not right.",
    "A new code is on its way.",
    "Too many wrong codes: this envelope can no longer be signed with this link. Contact the sender.",
    "The document",
    "Page",
    "Open the document as a PDF",
    "Files requested from you",
    "required",
    "Received",
    "Choose a file",
    "Uploading needs JavaScript; you can also send the file to the sender.",
    "Sign",
    "Your full name",
    "Draw your signature (optional)",
    "Draw with a mouse, a finger or a pen. Your typed name is used when you do not draw.",
    "Clear",
    "I have read the document and I sign it electronically.",
    "Sign the document",
    "Decline to sign",
    "Why are you declining? (optional)",
    "Decline",
    "Not your turn yet",
    "This document must first be signed by:",
    "The document is being prepared. Reload this page in a moment.",
    "Thank you: you have signed",
    "We will send you the signed copy when everyone has signed.",
    "Download the signed copy",
    "All documents (.zip)",
    "You declined to sign",
    "The sender has been told. Nothing else is needed from you.",
    "This form has expired. Please try again.",
    "Too many attempts. Wait a minute and try again.",
    "This cannot be done now: reload the page to see where the envelope is.",
    "Type your full name to sign.",
    "Tick the box to confirm that you sign.",
    "Upload the required files first.",
    "This link has expired",
    "Links work for a limited time. Ask the sender for a new link; a reminder from the sender also brings a new one.",
    "This link was replaced",
    "The sender corrected the signer's details and sent a new link to the right address. Use that one.",
    "This code has expired. Ask for a new code below.",
    "This code has been used already. Ask for a new code below.",
    "Your details",
    "Choose…",
    "Some fields need your attention: see the messages beside them.",
    "This field is required.",
    nullptr,
    "required if it applies",
    "Someone else should sign",
    "If another person should sign in your place, give their name and email address. They get their own link, "
    "and this link stops working. The audit trail and the signed document will say they signed on your behalf.",
    "Their full name",
    "Their email address",
    "Hand over",
    "Handed over",
    "The signature was handed over. The person you named has been sent their own link; you need do nothing more.",
    "Please give the person's full name and a valid email address (not your own).",
    "You sign on behalf of",
    "Your copy",
    "You receive a copy of this envelope to read. You do not need to sign anything.",
    "This link was used",
    "This link opens the signing page once. Go back to where you started signing to get a new one.",
};

Text const zh{
    "zh-Hans",
    "安全签署",
    "信封",
    "此链接无效",
    "链接可能输入有误或不完整。请向发送方索取新的链接。",
    "此信封已完成",
    "此信封已被拒签",
    "此信封已过期",
    "此信封已取消",
    "此信封未能完成",
    "这里已没有需要签署的内容。如有疑问，请联系发送方。",
    "同意以电子方式办理",
    esign_zh,
    "我已阅读并同意使用电子记录和电子签名。",
    "同意并继续",
    "确认您的身份",
    "我们已通过短信向您的手机发送了验证码。",
    "我们已向您的电子邮箱发送了验证码。",
    "验证码",
    "确认",
    "重新发送验证码",
    "验证码不正确。",
    "新的验证码已发送。",
    "错误次数过多：此链接已无法用于签署。请联系发送方。",
    "文件",
    "第",
    "以 PDF 格式打开文件",
    "需要您提供的文件",
    "必需",
    "已收到",
    "选择文件",
    "上传文件需要启用 JavaScript；您也可以将文件发送给发送方。",
    "签署",
    "您的全名",
    "手写签名（可选）",
    "可用鼠标、手指或触控笔书写。如不手写，将使用您输入的姓名。",
    "清除",
    "我已阅读本文件，并以电子方式签署。",
    "签署文件",
    "拒绝签署",
    "拒绝的原因（可选）",
    "拒绝",
    "尚未轮到您",
    "此文件须先由以下人员签署：",
    "文件正在准备中，请稍后刷新本页。",
    "谢谢，您已签署",
    "所有人签署完成后，我们会将签署副本发送给您。",
    "下载签署副本",
    "全部文件（.zip）",
    "您已拒绝签署",
    "发送方已收到通知，您无需再做任何操作。",
    "表单已过期，请重试。",
    "尝试次数过多，请稍候一分钟再试。",
    "现在无法执行此操作：请刷新页面查看信封的当前状态。",
    "请输入您的全名以签署。",
    "请勾选方框以确认签署。",
    "请先上传必需的文件。",
    "此链接已过期",
    "链接仅在有限时间内有效。请向发送方索取新的链接；发送方的提醒邮件也会附上新的链接。",
    "此链接已被替换",
    "发送方已更正签署人的信息，并将新的链接发送到正确的地址。请使用新的链接。",
    "此验证码已过期。请在下方获取新的验证码。",
    "此验证码已被使用。请在下方获取新的验证码。",
    "需要您填写的信息",
    "请选择…",
    "部分字段需要修改：请查看字段旁的提示。",
    "此字段为必填项。",
    "此字段的值不符合要求。",
    "如适用则必填",
    "应由他人签署",
    "如果应由他人代替您签署，请填写其姓名和电子邮件地址。对方会收到自己的链接，此链接随即失效。"
    "审计记录和已签署的文件将注明对方代表您签署。",
    "对方全名",
    "对方电子邮件地址",
    "转交签署",
    "已转交",
    "签署已转交。您指定的人已收到自己的链接，您无需再做任何操作。",
    "请填写对方的全名和有效的电子邮件地址（不能是您自己的地址）。",
    "您代表以下人员签署：",
    "您的抄送副本",
    "您收到此信封的抄送副本供阅读，无需签署任何内容。",
    "此链接已被使用",
    "此链接只能打开一次签署页面。请回到您开始签署的页面获取新的链接。",
};

bool chinese_tag(std::string_view tag) {
    return tag.size() >= 2 && std::tolower(static_cast<unsigned char>(tag[0])) == 'z' &&
           std::tolower(static_cast<unsigned char>(tag[1])) == 'h' && (tag.size() == 2 || tag[2] == '-' || tag[2] == '_' || tag[2] == ';' || tag[2] == ' ');
}

}  // namespace

Text const& english() { return en; }
Text const& chinese() { return zh; }

Text const& text_for(std::string_view language, std::string_view accept) {
    if (!language.empty()) return chinese_tag(language) ? zh : en;
    // The browser's first preference we speak.
    while (!accept.empty()) {
        auto comma = accept.find(',');
        std::string_view item = accept.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        if (chinese_tag(item)) return zh;
        if (item.size() >= 2 && std::tolower(static_cast<unsigned char>(item[0])) == 'e' &&
            std::tolower(static_cast<unsigned char>(item[1])) == 'n')
            return en;
        if (comma == std::string_view::npos) break;
        accept.remove_prefix(comma + 1);
    }
    return en;
}

}  // namespace signflow::app::signing
