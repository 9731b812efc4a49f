#pragma once
// Traditional → simplified for the characters this project cares about, shared by the compliance
// normaliser (繁體 disguises of banned phrases) and QA's template matching (a closing phrase typed
// in 繁體 is still the closing phrase).

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::core {

namespace detail {

// Traditional (first) → simplified (second), pair by pair. Characters that matter for the
// rule packs (contact apps, payment, counterfeit, abuse words) plus a broad set of everyday
// ones so disguised phrases written in 繁體 fold onto the same patterns. 參 stays as it is: it is
// the financial 3 in digit runs (core::chinese_digit), and no rule phrase has 参.
inline constexpr std::string_view trad_simp_pairs =
    "艦舰號号綫线聯联繫系係系電电話话倣仿貨货轉转賬账帳帐銀银掃扫碼码紅红買买賣卖價价錢钱寶宝"
    "訂订單单鏈链網网絡络滿满優优線线無无償偿說说請请問问謝谢們们個个這这麼么來来時时"
    "間间過过還还沒没對对錯错發发髮发機机郵邮戶户匯汇維维護护騙骗詐诈偽伪盜盗複复製制"
    "廠厂產产産产東东鹹咸閒闲閑闲魚鱼團团購购營营業业員员務务關关門门開开閉闭題题給给"
    "與与從从將将進进專专質质級级頂顶絕绝獨独貳贰陸陆萬万億亿兩两罵骂滾滚殺杀廢废"
    "腦脑殘残癡痴賤贱媽妈豬猪鳥鸟賴赖惡恶嚇吓讓让見见證证識识認认親亲愛爱歡欢為为幫帮"
    "別别煩烦談谈聽听講讲讀读寫写書书學学習习點点擊击連连結结頁页圖图視视頻频臺台灣湾"
    "臉脸風风險险錄录報报據据庫库貼贴標标幣币額额費费貴贵賺赚虧亏贈赠獎奖勵励現现實实"
    "體体驗验運运輸输遞递達达遠远層层樓楼區区縣县鄉乡鎮镇註注冊册經经銷销貿贸場场裡里"
    "裏里後后幹干乾干隻只雙双雜杂難难離离雲云氣气車车輛辆馬马龍龙齊齐鐵铁鋼钢錶表鐘钟"
    "襪袜衛卫圍围騰腾訊讯鵝鹅釘钉撥拨約约換换補补賠赔損损壞坏舊旧勢势極极盡尽總总統统"
    "纔才啟启啓启蘋苹國国際际醫医藥药療疗師师傳传邊边緣缘絲丝紙纸綠绿藍蓝黃黄顏颜長长"
    "寬宽輕轻條条張张頭头腳脚膚肤潔洁淨净濕湿潤润膠胶櫃柜檯台燈灯爐炉鍋锅壺壶盤盘筆笔"
    "記记憶忆夢梦覺觉應应該该嗎吗囉啰聲声響响樂乐戲戏劇剧藝艺術术遊游禮礼節节慶庆賀贺"
    "願愿態态語语詞词義义議议論论評评審审計计劃划畫画設设備备裝装飾饰選选擇择擺摆擁拥"
    "隨随陽阳陰阴隊队階阶頓顿預预領领顧顾類类飛飞飯饭飲饮館馆饋馈驚惊鬆松麗丽黨党齡龄"
    "歲岁歷历曆历曉晓暫暂會会當当礙碍確确磚砖禍祸種种稱称穩稳窮穷競竞範范簡简簽签籤签"
    "粵粤糧粮紀纪納纳紐纽純纯細细終终組组繼继續续績绩織织罰罚羅罗聖圣聞闻聰聪職职肅肃"
    "脅胁興兴舉举莊庄華华葉叶蓋盖蘇苏蟲虫衝冲襯衬規规覽览觀观觸触討讨訓训託托訪访許许"
    "訴诉診诊詢询試试詳详誌志誤误誰谁課课調调諾诺謊谎譯译變变貝贝負负財财貢贡貧贫販贩"
    "貪贪責责貸贷資资賓宾賞赏賽赛贊赞趙赵趕赶跡迹踐践軟软較较載载輔辅辦办農农週周違违"
    "適适遲迟遷迁遺遗鄰邻醜丑釋释針针鈔钞銅铜鋪铺鍵键鎖锁鏡镜閃闪閱阅闆板闊阔陳陈隱隐"
    "雖虽雞鸡靈灵靜静項项順顺須须顯显飄飘駕驾騎骑髒脏鬧闹鮮鲜鹽盐麥麦齋斋倆俩儲储兒儿"
    "內内凈净則则剛刚創创劑剂劍剑動动勝胜勞劳協协卻却厲厉厭厌叢丛吳吴啞哑喚唤嚴严囑嘱"
    "圓圆執执堅坚塊块塗涂墊垫壓压壯壮壽寿夠够夥伙奪夺奮奋婦妇嬰婴孫孙寧宁寢寝尋寻導导"
    "屆届屬属島岛帥帅帶带廣广廳厅強强彈弹彎弯復复徵征憂忧懷怀戀恋戰战拋抛捨舍掛挂採采"
    "揚扬搖摇搶抢撐撑擔担擴扩攝摄敗败敵敌數数斷断於于曬晒構构槍枪樣样樹树橋桥檢检權权"
    "歐欧歸归毀毁決决況况淚泪淺浅減减測测湯汤溝沟滅灭漁渔漢汉漲涨澤泽濟济災灾烏乌熱热"
    "爭争爺爷牆墙狀状猶犹獲获環环畢毕異异監监眾众礦矿稅税積积竊窃築筑糾纠紋纹編编緊紧"
    "練练縮缩繩绳罷罢膽胆臨临艱艰處处蝦虾詩诗貓猫趨趋軍军辭辞邏逻釣钓鈕钮鋁铝闖闯韓韩"
    "顆颗養养餘余驅驱鬥斗憑凭騷骚擾扰屍尸斃毙賭赌傷伤衊蔑瘋疯悶闷憤愤腫肿臟脏鑽钻倫伦"
    "鎊镑鈴铃訣诀攤摊擋挡贏赢虛虚誇夸謠谣詭诡謀谋贓赃偵侦犧牺剝剥齣出衹只祇只峯峰羣群"
    "衆众灑洒瀏浏瀋沈滬沪廈厦鄭郑蕭萧蘭兰劉刘楊杨鄧邓馮冯鄒邹譚谭韋韦閻阎龔龚賈贾盧卢"
    "蔣蒋鍾钟餵喂嘍喽嘰叽噸吨嘆叹嚐尝噴喷嘔呕嚨咙尷尴擠挤攢攒偉伟側侧僅仅債债傑杰傘伞"
    "僱雇儘尽儀仪聳耸膩腻臥卧艙舱蒼苍藉借蘆芦螢萤蠟蜡襲袭謎谜譜谱讚赞豐丰貫贯貯贮貶贬"
    "賦赋賜赐賢贤贅赘躍跃軌轨輝辉輩辈轟轰辯辩釀酿鈍钝銳锐錦锦鍛锻鑰钥閘闸閣阁闡阐隸隶"
    "雛雏霧雾靂雳韻韵頌颂頗颇頸颈顫颤颱台颳刮饑饥馳驰駐驻駛驶驟骤鬍胡鯨鲸鴨鸭鵬鹏鶴鹤"
    "麵面黴霉鼴鼹齒齿龜龟諮咨寳宝屄逼";

// The pairs sorted by traditional character, built once (every character above is three bytes
// of UTF-8).
inline std::vector<std::pair<char32_t, char32_t>> const& trad_simp_table() {
  static std::vector<std::pair<char32_t, char32_t>> const table = [] {
    auto at = [](std::size_t i) {
      auto b = [&](std::size_t k) { return static_cast<unsigned char>(trad_simp_pairs[i + k]); };
      return static_cast<char32_t>(((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu));
    };
    std::vector<std::pair<char32_t, char32_t>> m;
    for (std::size_t i = 0; i + 6 <= trad_simp_pairs.size(); i += 6)
      m.emplace_back(at(i), at(i + 3));
    std::stable_sort(m.begin(), m.end(),
                     [](auto const& a, auto const& b) { return a.first < b.first; });
    m.erase(std::unique(m.begin(), m.end(),
                        [](auto const& a, auto const& b) { return a.first == b.first; }),
            m.end());
    return m;
  }();
  return table;
}

}  // namespace detail

// The simplified form of a traditional character in the table; anything else as it is.
inline char32_t to_simplified(char32_t c) noexcept {
  if (c < 0x3400) return c;
  auto const& m = detail::trad_simp_table();
  auto it = std::lower_bound(m.begin(), m.end(), c,
                             [](auto const& p, char32_t k) { return p.first < k; });
  return (it != m.end() && it->first == c) ? it->second : c;
}

}  // namespace kefu::core
