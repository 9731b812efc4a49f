#pragma once
// The value of a Chinese way of writing a digit, for the compliance normaliser (digit runs in
// agents' messages) and QA masking (phone numbers spelled out) alike.

namespace kefu::core {

// 零〇洞 0, 一壹幺 1, 二贰两弍 2, 三叁叄參 3, 四肆 4, 五伍 5, 六陆 6, 七柒拐 7, 八捌 8, 九玖勾 9;
// -1 for anything else. 幺两拐洞勾 are how digits are read out over a radio or the phone.
constexpr int chinese_digit(char32_t c) noexcept {
  switch (c) {
    case U'零':
    case U'〇':
    case U'洞':
      return 0;
    case U'一':
    case U'壹':
    case U'幺':
      return 1;
    case U'二':
    case U'贰':
    case U'两':
    case U'弍':
      return 2;
    case U'三':
    case U'叁':
    case U'叄':  // the financial 3 in 繁體 (not 参, which ends too many numbers as 参加 / 参数)
    case U'參':
      return 3;
    case U'四':
    case U'肆':
      return 4;
    case U'五':
    case U'伍':
      return 5;
    case U'六':
    case U'陆':
      return 6;
    case U'七':
    case U'柒':
    case U'拐':
      return 7;
    case U'八':
    case U'捌':
      return 8;
    case U'九':
    case U'玖':
    case U'勾':
      return 9;
    default:
      return -1;
  }
}

}  // namespace kefu::core
