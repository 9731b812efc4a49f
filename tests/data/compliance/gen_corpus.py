#!/usr/bin/env python3
"""Writes corpus.jsonl: the labelled messages the compliance test measures the engine against.

Every line: {"id", "platform", "role", "text", "expect": allow|warn|block, "categories": [...],
"note": technique, "chat"?: id for messages that belong together (in order)}.
The expectations come from docs/compliance.md and the platform rules, not from the engine.
Run from this directory: python3 gen_corpus.py > corpus.jsonl.new. It writes the corpus's first
part; the rows after it (review findings, added by hand with the next free id) are kept as they
are in corpus.jsonl, so merge rather than overwrite.
"""
import json
import sys

rows = []


def add(text, expect, cats=(), role="agent", platform="kuaishou", note="", chat=None):
    row = {"id": len(rows) + 1, "platform": platform, "role": role, "text": text,
           "expect": expect, "categories": sorted(set(cats)), "note": note}
    if chat is not None:
        row["chat"] = chat
    rows.append(row)


def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(num):
    return luhn_digit(num[:-1]) == num[-1]


CN = "零一二三四五六七八九"
FORMAL = "零壹贰叁肆伍陆柒捌玖"
RADIO = "洞幺两三四五六拐八勾"
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
DINGBAT = "⓿❶❷❸❹❺❻❼❽❾"
DINGBAT2 = "0➀➁➂➃➄➅➆➇➈"
PAREN = "0⑴⑵⑶⑷⑸⑹⑺⑻⑼"
SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"
FULL = "０１２３４５６７８９"


def tr(num, table):
    return "".join(table[int(c)] for c in num)


def letters(num):
    return num.replace("1", "l").replace("0", "O")


phones = ["13800138000", "15912345678", "18688889999", "17751234567", "13312345678",
          "19912345678", "14755556666", "16612341234"]

# ---- contact: mobile numbers in every disguise -------------------------------------------
forms = [
    ("plain", lambda p: f"我手机{p}，有事打我"),
    ("spaced", lambda p: "电话 " + " ".join(p)),
    ("dashes", lambda p: f"号码 {p[:3]}-{p[3:7]}-{p[7:]}"),
    ("fullwidth", lambda p: "打这个 " + tr(p, FULL)),
    ("chinese", lambda p: "联系" + tr(p, CN)),
    ("formal", lambda p: tr(p, FORMAL) + " 随时找我"),
    ("radio", lambda p: "号码是" + tr(p, RADIO)),
    ("circled", lambda p: tr(p, CIRCLED)),
    ("dingbat", lambda p: "找我 " + tr(p, DINGBAT)),
    ("dingbat2", lambda p: tr(p, DINGBAT2) + " 打给我"),
    ("parenthesized", lambda p: tr(p, PAREN)),
    ("superscript", lambda p: "电话" + tr(p, SUPER)),
    ("letters", lambda p: letters(p)),
    ("mixed", lambda p: p[:3] + tr(p[3:5], CN) + p[5:8] + tr(p[8:], FORMAL)),
    ("emoji", lambda p: f"{p[:3]}😀{p[3:7]}🌹{p[7:]}"),
    ("zero-width", lambda p: f"{p[:3]}\u200b{p[3:7]}\u200d{p[7:]}"),
    ("+86", lambda p: f"+86 {p[:3]} {p[3:7]} {p[7:]}"),
    ("dots", lambda p: f"{p[:3]}.{p[3:7]}.{p[7:]}"),
    ("sentence", lambda p: f"电话：{p}，随时打"),
    ("chinese-spaced", lambda p: "手机号码是 " + tr(p[:3], CN) + " " + tr(p[3:7], CN) + " " + tr(p[7:], CN)),
    ("variation-selector", lambda p: "".join(c + "\ufe0f" for c in p)),
    ("86-prefix", lambda p: "86" + p),
]
for i, (name, f) in enumerate(forms):
    for p in (phones[i % len(phones)], phones[(i + 3) % len(phones)], phones[(i + 5) % len(phones)]):
        add(f(p), "block", ["contact"], note="mobile/" + name)

# landlines and service numbers
for t in ["座机 0571-88886666", "(021)66668888 工作日找我", "办公室电话 010 8888 6666", "拨打 400-820-8820 找我",
          "0755-26668888转客服", "我们热线4008208820", "打 020－87654321", "电话〇五七一 八八八八 六六六六"]:
    add(t, "block", ["contact"], note="landline")

# QQ numbers (need a QQ cue)
for t in ["qq 123456789", "扣扣：87654321", "企鹅号 2233445566", "加Q 10086123", "q号:556677889",
          "QQ：①②③④⑤⑥⑦⑧⑨", "我的qq是 27182818", "抠抠 31415926", "Qq１２３４５６７８", "885566321是我的QQ",
          "加qq12345678", "ＱＱ号 ９８７６５４３２１"]:
    add(t, "block", ["contact"], note="qq")

# WeChat ids (only next to a cue)
for t in ["微信号 abc_123456", "vx: zhangsan888", "V信 lily-2024", "wx号 kefu_xiaomei", "薇信 amy88888",
          "wxid_a1b2c3d4e5", "我的威信是 tom12345", "ＶＸ：ｈｅｌｌｏ１２３", "加我vx kf_7788 有优惠",
          "微信：13800138000", "我vx是 xiaoli666", "zhangsan888 是我微信", "微 信 号：shop_2024",
          "加我微信 abc_123456 聊", "wei信 mm520520", "微信id：kf-lucky99", "加V：sunny_day88",
          "＋ＶＸ：ｂｅｓｔ８８８", "微信 123456789", "徽信 xyz778899"]:
    add(t, "block", ["contact"], note="wechat-id")

# e-mail
for t in ["邮箱 kefu2024@163.com", "发到 abc.def@qq.com", "联系 sales@example.cn", "发我邮箱 a_b@gmail.com",
          "资料发 zhang.san@outlook.com 就行", "ＫＥＦＵ＠１２６．ＣＯＭ", "mail: shop+vip@foxmail.com",
          "写信到 service@mystore.net"]:
    add(t, "block", ["contact"], note="email")

# ---- payment -----------------------------------------------------------------------------
cards = []
for body in ["622202020000123456", "621700123456789012", "622848040256489001", "453212345678901",
             "512345678901234", "6225880137654321"]:
    cards.append(body + luhn_digit(body))
for c in cards:
    add(f"卡号 {c}", "block", ["payment"], note="bank-card/cue")
    add(f"直接打到 {' '.join(c[i:i + 4] for i in range(0, len(c), 4))}", "block", ["payment"],
        note="bank-card/grouped")
for t in ["支付宝 13800138000", "zfb: abc@163.com", "支付宝账号 15912345678", "转我支付宝就行", "某付宝 18688889999",
          "alipay 17751234567"]:
    add(t, "block", ["payment"], note="alipay")
for t in ["直接转账给我就行", "扫码付款更方便", "发个红包过来", "V我50", "v我 100 给你发货", "这是我的收款码",
          "微信转账也可以", "私下转给我", "付款二维码发你了", "转帐給我", "掃碼付款", "轉賬給我", "银行转账到我卡上",
          "ｖ我５２０", "V我五十", "汇款到我这边", "扫这个码付款", "发红包给我就发货", "钱打到我支付宝",
          "先付定金转给我"]:
    add(t, "block", ["payment"], note="payment-phrase")

# ---- links -------------------------------------------------------------------------------
for t in ["https://t.cn/A6abcd", "www.mystore.com", "去 shop123.taobao.com 看看", "淘宝搜店铺小美家", "拼多多上更便宜",
          "1688有货", "闲鱼上挂了", "复制￥AbC12345d￥打开", "weixin://dl/chat", "myshop.vip 下单", "abc点com",
          "http://192.168.1.10/pay", "我们淘宝店更便宜", "拼夕夕同款", "抖音小店搜我们", "去京东买吧", "PDD有",
          "某宝同款更便宜", "复制这段€Xy7pQ2rS9€打开", "www.example.org/item?id=3"]:
    add(t, "block", ["link"], note="link")

# ---- solicit -----------------------------------------------------------------------------
for t in ["加我微信聊", "有vx吗", "私下交易更便宜", "线下付款更便宜", "加个好友聊", "以后直接找我买", "不走平台给你便宜",
          "留个扣扣", "微信上聊吧", "加 微·信", "加v", "你加我威信", "+vx", "加一下我的微信吧", "我们私聊",
          "私下聯繫", "加我微信號", "有事Q我扣扣", "你的微信多少", "去微信说", "加我的企鹅号", "薇信",
          "加 V 信", "给个私人电话", "打我私人手机", "加我Ｗｘ", "走线下吧", "+微信", "➕vx 详聊", "＋扣扣", "别在平台拍了，我给你便宜",
          "找我私下买", "微x"]:
    add(t, "block", ["solicit"], note="solicit")

# ---- counterfeit ---------------------------------------------------------------------------
for t in ["这款是高仿的", "精仿版本，质量好", "1比1复刻", "A货", "莆田货便宜", "复印版的书", "扫描版电子书",
          "高倣", "非正品但是质量好", "超A货", "高 仿", "精·仿", "高仿貨", "这是仿品", "原单尾货，便宜卖",
          "不是正品但是一样好用"]:
    add(t, "block", ["counterfeit"], note="counterfeit")

# ---- abuse -------------------------------------------------------------------------------
for t in ["你是傻逼吗", "滚蛋", "神经病啊", "你有病吧", "再闹弄死你", "SB", "脑残", "煞笔", "傻 逼",
          "你算什么东西", "白痴一个", "滾蛋", "给我滚", "你等着瞧", "闭嘴"]:
    add(t, "block", ["abuse"], note="abuse")

# ---- impersonation -------------------------------------------------------------------------
for t in ["我是快手官方客服", "我们是平台工作人员", "这里是快手官方", "我代表平台通知您", "我是平台客服，请配合",
          "我是快手小二"]:
    add(t, "block", ["impersonation"], note="impersonation")
add("我是淘宝小二", "block", ["impersonation"], platform="taobao", note="impersonation")
add("我是天猫官方客服", "block", ["impersonation"], platform="taobao", note="impersonation")
add("我是腾讯官方客服", "block", ["impersonation"], platform="tencent", note="impersonation")

# ---- exaggeration (warn) -------------------------------------------------------------------
for t in ["全网最低价", "我们是唯一授权", "效果最好", "史上最低价", "顶级品质", "全网销量第一", "这是最优方案",
          "行业第一的品牌"]:
    add(t, "warn", ["exaggeration"], note="exaggeration")

# ---- rude (warn + suggestion) ---------------------------------------------------------------
for t in ["我管不了", "这个我管不了，你找别人", "喂！喂！", "说话啊", "你到底问什么？", "再讲一遍，我没听清！",
          "不知道，我是新来的", "放尊重点好吗？", "你听不明白呀！", "我不是跟你说过了吗？", "我不能告诉您",
          "这是公司的规定，我也没有办法！", "这不是我的工作！", "您记得住吗？", "爱买不买", "你烦不烦"]:
    add(t, "warn", ["rude"], note="rude")


# ---- harder cases: mixed disguises, lists after a negator, everyday service text ------------
for t, c in [("加我薇信：abc123", "contact"), ("我的电话是一三八，零零一三，八零零零", "contact"),
             ("1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣", "contact"), ("abc＠qq。com", "contact"), ("V 我 5 0", "payment"),
             ("加威❤信", "solicit"), ("加我微\u200b信", "solicit"), ("找我买直接 WX 搜 kf8888", "contact"),
             ("您可以拨打 400-123-4567 找我", "contact"), ("在吗？加个微信，给你发图", "solicit"),
             ("my wechat is hello_world", "contact"), ("Q 1 2 3 4 5 6 7 8", "contact"),
             ("扣 扣 号 1 2 3 4 5 6 7 8", "contact"), ("http://kuaishou.com.evil.cn/a", "link"),
             ("https://evilkuaishou.com", "link"), ("微信号是：ＡＢＣ＿１２３", "contact"),
             ("幺叁捌洞洞幺叁捌洞洞洞", "contact"), ("加我企鹅", "solicit"), ("电话号码：１３８–００１３–８０００", "contact"),
             ("联系电话 0571 8888 6666", "contact"), ("这个包是A货哦", "counterfeit"),
             ("卡号：6222 0202 0000 1234 564", "payment"), ("4111111111111111", "payment"), ("给我打电话", "solicit"),
             ("我是快手的客服", "impersonation"), ("加微信 送优惠券", "solicit"), ("wx：13800138000", "contact"),
             ("abc123@gmail.com", "contact"), ("去ｔａｏｂａｏ．ｃｏｍ搜", "link"), ("微信：a b c 1 2 3 4 5", "contact"),
             ("加我绿泡泡", "solicit"), ("bit.ly/abc", "link"), ("电话13800138000微信同号", "contact"),
             ("(+86)13800138000", "contact"), ("我是快手平台的工作人员", "impersonation"),
             ("不是高仿，是一比一复刻", "counterfeit"), ("mobile.yangkeduo.com/goods.html?id=1", "link"),
             ("我们店铺在淘寶也有", "link"), ("不能加微信？那加我扣扣 12345678", "contact")]:
    add(t, "block", [c], note="hard")
add("这个价格已经是最低价了，不能再便宜了", "warn", ["exaggeration"], note="hard")
for t in ["138001380001", "我們不賣高倣", "我是官方旗舰店的客服小美", "hello world", "微信支付", "SF1380013800",
          "我知道了，好的", "价格是1380，数量是2", "您好，这款是正品，不是高仿哦", "一定一定，十分十分感谢，一一回复",
          "第一二三四五条规则", "支付宝 95188", "请问订单中的联系方式是138****8000吗", "微信支付宝都可以",
          "价格：¥ 1380.00 元", "我们 9:00-21:00 在线", "不支持转账或扫码付款", "平台客服不会要求您加微信或转账，谨防诈骗",
          "亲，您的包裹已经到杭州转运中心了，预计明天（11月23日）送达，请保持手机畅通哦",
          "这款羽绒服有S/M/L/XL/2XL五个尺码，身高165体重110斤建议M码",
          "您好，您反馈的问题我已经记录，工单号GD20241122001，24小时内给您回复",
          "活动时间：11月11日0:00-11月12日23:59，前1000名下单送赠品", "亲，这个是官方正品，支持专柜验货，假一赔十",
          "请您提供一下订单号，我帮您查询物流", "退款金额138.50元已原路退回，1-3个工作日到账", "这款手机是8+256G版本，型号V2309A",
          "快递是中通，单号78912345678901，您可以在快手订单里查看", "我们的营业时间是早上9点到晚上10点",
          "好的呢亲，已经给您备注优先发货了，有问题随时联系我们客服哦", "亲，微信支付和支付宝都支持的",
          "您好，第一次购买可以领取新人优惠券", "收货地址：浙江省杭州市西湖区文三路138号，收件人张三，电话已核对",
          "保质期18个月，生产日期20241001", "规格：500g*2袋，共1000g", "您的订单3721456987412365和3721456987412366都已发货",
          "这个是我们自己工厂生产的，质量有保证", "亲，可以参考详情页第3张图的尺码表", "不好意思让您久等了，我是客服小美，很高兴为您服务",
          "这款和专柜的一模一样，都是正品", "价格1688元，今天下单送耳机", "今天下单可以享受12期免息，每期只要138元",
          "QQ群里的活动和我们店铺无关哦", "您可以在快手搜索我们的店铺名：小美家居", "电池容量4500mAh，支持66W快充",
          "亲亲，V领和圆领两种款式哦", "IMEI号：861234567890123", "这边看到您的手机号尾号是8000，对吗",
          "您好，这个需要您先确认收货，然后再申请售后", "本店商品均为正品，请放心购买，支持验货", "这个型号是2023款的，编码13800138000A",
          "我们不会私下联系您，请认准平台消息", "收藏店铺，关注主播，每周三晚8点直播", "您好，身份证号码不需要提供的哦",
          "重量约1.38kg，尺寸38*26*12cm", "优惠券满300减30，可叠加店铺券", "亲，发货地是广东深圳，一般2-3天到"]:
    add(t, "allow", [], note="hard-innocent")

for t in ["水烧滚开后再放入", "这款去死皮膏很好用", "收拾你的东西的时候注意", "这件衣服让你好看又显瘦", "如果收到假货，假一赔十",
          "如果不是正品，支持退货", "来淘宝贝吧", "天猫精灵音箱有货", "防盗版标签", "废物利用小妙招", "USB 接口",
          "一定会第一时间给您处理"]:
    add(t, "allow", [], note="word-in-word")
for t in ["你去死吧", "滚开点", "看我怎么收拾你"]:
    add(t, "block", ["abuse"], note="abuse")

# ---- other platforms -----------------------------------------------------------------------
add("拼多多更便宜", "block", ["link"], platform="taobao", note="link")
add("快手小店也有", "block", ["link"], platform="taobao", note="link")
add("加我微信 abc_123456", "block", ["contact"], platform="taobao", note="wechat-id")
add("企业QQ 800012345", "block", ["contact"], platform="tencent", note="qq")
add("加我微信", "block", ["solicit"], platform="tencent", note="solicit")
add("淘宝店更便宜", "block", ["link"], platform="tencent", note="link")

# ---- splits across messages ----------------------------------------------------------------
def chat(cid, parts, last_expect, last_cats, platform="kuaishou", role="agent", note="split"):
    for k, t in enumerate(parts):
        if k + 1 < len(parts):
            add(t, "allow", [], role=role, platform=platform, note=note + "/part", chat=cid)
        else:
            add(t, last_expect, last_cats, role=role, platform=platform, note=note, chat=cid)


chat("s1", ["我的手机", "138 0013", "8000"], "block", ["contact"])
chat("s2", ["一三八", "零零一三", "八零零零"], "block", ["contact"])
chat("s3", ["加我", "微信"], "block", ["solicit"])
chat("s4", ["加我微", "信 abc_123456"], "block", ["contact"])
chat("s5", ["高", "仿的"], "block", ["counterfeit"])
chat("s6", ["V我", "50"], "block", ["payment"])
chat("s7", ["qq", "123456789"], "block", ["contact"])
chat("s8", ["138", "0013", "8000"], "block", ["contact"])
chat("s9", ["私下", "交易"], "block", ["solicit"])
chat("s10", ["扫码", "付款"], "block", ["payment"])
chat("s11", ["联系我", "幺三八", "洞洞幺三八洞洞洞"], "block", ["contact"])
chat("s12", ["卡号 " + cards[0][:8], cards[0][8:]], "block", ["payment"])
chat("s13", ["微信", "zhangsan888"], "block", ["contact"])
chat("s18", ["我的微信号是", "abc_123456"], "block", ["contact"])
chat("s19", ["我的qq", "是 12345678"], "block", ["contact"])
chat("s20", ["加我", "微", "信"], "block", ["solicit"])
chat("s14", ["去淘", "宝店搜小美家"], "block", ["link"])
chat("s15", ["能加你", "微信吗"], "warn", ["solicit"], role="buyer")
chat("s16", ["我电话", "13800", "138000"], "warn", ["contact"], role="buyer")
# a blocked message never enters the window
add("加我微信 abc_123456", "block", ["contact"], note="split/blocked-first", chat="s17")
add("好的", "allow", [], note="split/after-block", chat="s17")
add("abc", "allow", [], note="split/after-block", chat="s17")
# innocent neighbours
chat("n1", ["您的订单号是", "3721456987412365"], "allow", [], note="split-innocent")
chat("n2", ["价格是", "138元"], "allow", [], note="split-innocent")
chat("n3", ["好的", "13:38 发货"], "allow", [], note="split-innocent")
chat("n4", ["第1", "38页"], "allow", [], note="split-innocent")
chat("n5", ["亲，收到", "马上安排发货", "预计3天到"], "allow", [], note="split-innocent")
chat("n6", ["快递单号", "SF1234567890123"], "allow", [], note="split-innocent")
chat("n7", ["不能加", "微信哦，平台规定"], "allow", [], note="split-innocent")
chat("n8", ["2024", "-11-22 发货"], "allow", [], note="split-innocent")

# ---- buyers --------------------------------------------------------------------------------
for t, e, c in [("能加你微信吗", "warn", ["solicit"]), ("我的手机13800138000", "warn", ["contact"]),
                ("我转账给你吧", "warn", ["payment"]), ("你们淘宝店叫什么", "warn", ["link"]),
                ("傻逼客服", "warn", ["abuse"]), ("有没有vx", "warn", ["solicit"]),
                ("加我qq 12345678", "warn", ["contact"]), ("私下交易行不行", "warn", ["solicit"]),
                ("可以用微信支付吗", "allow", []), ("我用微信支付的", "allow", []),
                ("支持微信支付和支付宝吗", "allow", []), ("全网最低吗", "allow", []), ("你们是高仿吗", "allow", []),
                ("你是快手官方客服吗", "allow", []), ("我管不了那么多，快点发货", "allow", []),
                ("订单号3721456987412365什么时候发", "allow", []), ("微信付款可以吗", "allow", []),
                ("我邮箱 buyer01@163.com", "warn", ["contact"]), ("你是不是傻", "warn", ["abuse"]),
                ("拼多多才卖99", "warn", ["link"])]:
    add(t, e, c, role="buyer", note="buyer")

# ---- innocent look-alikes --------------------------------------------------------------------
innocent = []
orders = ["3721456987412365", "2024112213380001", "3618273645546372", "250401123456789012", "1789456123012345678"]
for o in orders:
    assert not luhn_ok(o) or o[0] in "13789", o
    innocent += [f"您的订单号 {o} 已发货", f"{o} 这个单子已经处理了", f"订单编号：{o}", f"单号{o}麻烦查一下"]
for t in ["快递单号SF1234567890123", "YT8812345678901 到哪了", "JDVA12345678901 京东快递已揽收", "中通 7312345678901",
          "运单号：SF 1234 5678 9012", "韵达快递 4312345678901", "EMS 1100123456789", "顺丰 SF1380013800012",
          "物流单号 773123456789012", "圆通快递 YT 6612345678901"]:
    innocent.append(t)
for t in ["价格¥138.00", "138元", "价格 1380", "原价199现价138", "满199减20", "￥13800", "$25.99", "到手价 1388 元",
          "运费 12 元", "优惠后 138.5 元", "合计 13800.00", "补差价 20 块", "总价 ¥1,380.00", "单价 13.80 元/斤",
          "价格区间 138-142 元", "券后 99.9"]:
    innocent.append(t)
for t in ["2024-11-22 发货", "20241122 下单的", "2024年11月22日", "11/22 13:38", "13:38:05 付款成功",
          "下午3点半发", "2024.11.22 到货", "预计 2024-11-25 至 2024-11-27 送达", "时间 2024-11-22 13:38",
          "1732252680", "1732252680123", "双十一 11.11 活动", "营业时间 9:00-18:00", "12月12日前发货"]:
    innocent.append(t)
for t in ["138-142", "第138-142页", "尺码38-42", "身高160-170cm", "体重 100-120斤", "第 12 至 18 页",
          "1-3 天发货", "3~5 个工作日", "30-50 岁适用"]:
    innocent.append(t)
for t in ["iPhone 15 Pro Max", "型号 XR-2000", "RTX4090 显卡", "A1234", "小米13", "华为Mate60 Pro", "型号：KF-35GW/NhGc1",
          "M2 芯片", "DDR5 6000", "5G 手机", "1080P 高清", "SKU: AB-13800138000", "货号 HX13800138000",
          "型号 DCP-T420W", "Redmi K70", "编号 20241122001", "款号 ZX2024-0138", "批次号 13800138000",
          "条码 6901234567892", "序列号 F2LXK0138000"]:
    innocent.append(t)
for t in ["S码", "XL码", "3XL", "A4纸", "B2B", "Q1季度", "Q3 新品", "v2.0版本", "V领毛衣", "wifi6", "USB3.0", "type-c 接口",
          "H5 页面", "4K 屏", "P30", "2B 铅笔", "ABS 材质", "QQ音乐会员", "qq糖", "VIP 会员", "WX系列型号"]:
    innocent.append(t)
for t in ["我们一定会尽快处理", "陆续发货中", "十分抱歉", "参加活动", "一三五发货", "一二三四五六都营业", "三四天就到",
          "两三件起批", "七八成新", "一一回复您", "第一时间为您处理", "一次性买三件", "五一假期正常发货",
          "双十一活动参加吗", "陆陆续续到货"]:
    innocent.append(t)
for t in ["https://www.kuaishou.com", "kwaixiaodian.com 商家后台", "kwai://myorder", "请访问 https://app.kwaixiaodian.com/order",
          "快手小店里搜店名", "在快手App内联系我们", "v.kuaishou.com/abc123 是商品链接"]:
    innocent.append(t)
for t in ["抱歉，平台规定不能加微信，我们在这里为您服务", "不好意思，不能私下交易哦，请在平台下单", "我们不支持线下付款",
          "请不要私下转账，以免上当受骗", "我们不卖高仿，都是正品", "本店绝不卖假货，假一赔十", "我们没有淘宝店，只在快手",
          "我不是平台客服，我是店铺客服", "平台规定不能加微信，有问题在这里说", "请勿私下交易", "我们从不卖高仿",
          "不可以加QQ哦，在这里沟通就好", "支持微信支付，也支持支付宝", "您可以用微信支付", "不是高仿，是正品",
          "谨防假货，认准官方店铺", "商品有唯一防伪码可以查询", "最佳赏味期6个月", "我们不会让您私下付款",
          "严禁私下交易", "为了您的安全请不要转账给任何人", "没有高仿，全部专柜正品"]:
    innocent.append(t)
for t in ["您好，请问有什么可以帮您？", "亲，已经为您催促发货了", "好的，稍等我帮您查一下", "感谢您的耐心等待",
          "这款有现货，今天下单明天发", "退款已经原路退回", "请您在订单页面申请售后", "请您耐心等待",
          "很抱歉，让您久等了", "您希望了解的是尺码对吗？", "请问您贵姓？", "不客气，很高兴为您服务",
          "我再和您确认一下收货地址", "我需要确认一下，请您稍等可以吗？", "请问还有其他需求需要咨询吗？",
          "数量 2 件", "3 天内发货", "满 99 包邮", "12 期免息", "24小时发货", "库存 12345 件", "已售 10万+",
          "好评率 99.8%", "重量 1380g", "电池 5000mAh", "屏幕 6.7 英寸", "尺寸 180*200cm", "123456789012 这个数字不对",
          "订单 1380013800012", "单号 13800138000", "@小美 请处理一下", "用户@2024 活动", "3.5mm 耳机孔", "1.5kg 装",
          "微信登录的快手号也可以下单", "您用的是微信支付还是支付宝？", "我们的客服工作时间是 9:00-18:00",
          "麻烦提供一下订单截图", "亲，这边给您备注了", "好的呢", "收到，马上处理", "已经帮您改好地址了",
          "这个颜色是 6 号色", "送 2 个赠品", "保修 1 年", "32GB+256GB", "1TB 固态", "1399 元起",
          "两件 8 折", "第 2 件半价", "我们店铺开了 8 年了", "客服小美为您服务", "请您核对一下收件人姓名",
          "请问订单中的联系方式是尾号 8000 吗？", "请问您的联系方式是下单时填写的那个吗？", "店铺首页有优惠券",
          "建议您先收藏店铺", "质量问题可以七天无理由退换", "今天 18:00 前下单当天发", "明天 10 点开抢",
          "这款是 2024 新款", "适合 3-6 岁宝宝", "容量 500ml", "功率 2000W", "转速 1380 转/分", "这是最新的款式吗？我帮您查",
          "您收到的是 13 号发的那件吗", "好的，8 号之前给您发出", "编号 13800138000 的工单已处理"]:
    innocent.append(t)
# generated numeric look-alikes: prices, dates, times, tracking numbers, quantities
for k, n in enumerate(["138", "1380", "13800", "1888", "2599", "99", "15900", "6222"]):
    innocent.append(f"这款 ¥{n}.{k}0，今天下单")
    innocent.append(f"活动价 {n} 元，包邮")
    innocent.append(f"已售 {n} 件")
for y, m, d, hh, mm in [(2024, 11, 22, 13, 38), (2025, 1, 5, 9, 5), (2023, 12, 31, 23, 59), (2025, 6, 18, 0, 0),
                        (2024, 2, 29, 18, 30)]:
    innocent.append(f"{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d} 已揽收")
    innocent.append(f"{y}{m:02d}{d:02d} 的订单")
    innocent.append(f"{y}年{m}月{d}日 {hh}:{mm:02d} 签收")
for code in ["SF", "YT", "ZTO", "JT", "YD", "STO"]:
    innocent.append(f"快递：{code}{'1380013800' + str(len(code)) + '12'}")
for t in innocent:
    add(t, "allow", [], note="innocent")

# platform-specific innocents
for t in ["复制￥AbCd1234XY￥打开手机淘宝", "淘宝店铺首页有优惠券", "https://item.taobao.com/item.htm?id=123456",
          "m.tb.cn/h.5abcde", "天猫旗舰店正品保障", "tmall.com 官方", "淘宝搜店名就能找到我们", "用淘宝App扫码查看商品"]:
    add(t, "allow", [], platform="taobao", note="innocent/taobao")
for t in ["shang.qq.com 开通企业QQ", "cloud.tencent.com 控制台", "您好，请问有什么可以帮到您？", "腾讯云的服务我们都支持",
          "请问您咨询的是续费需求吗？", "感谢您的来电，祝您生活愉快！", "您的需求我需要确认一下再给您回复好吗？"]:
    add(t, "allow", [], platform="tencent", note="innocent/tencent")

json.dump  # keep linters quiet
out = sys.stdout
for r in rows:
    out.write(json.dumps(r, ensure_ascii=False) + "\n")
