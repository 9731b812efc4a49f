// A small library of polite phrases for quick replies. They are sent to
// buyers, so they stay in Chinese whatever the console's language is.
export const PHRASES = [
  { group: 'greet', text: '亲，您好，请问有什么可以帮您？' },
  { group: 'greet', text: '您好，很高兴为您服务，请问您想了解哪款商品呢？' },
  { group: 'wait', text: '请您稍等，我马上为您查询~' },
  { group: 'wait', text: '感谢您的耐心等待！' },
  { group: 'order', text: '麻烦您提供一下订单号，我帮您核实一下。' },
  { group: 'order', text: '您的订单正在处理中，发货后会第一时间同步物流信息。' },
  { group: 'after', text: '非常抱歉给您带来不便，我们会尽快为您处理。' },
  { group: 'after', text: '您可以在订单页面申请售后，我们收到后会优先处理。' },
  { group: 'rules', text: '为了保障您的权益，请在平台内沟通和交易哦。' },
  { group: 'close', text: '请问还有其他可以帮您的吗？' },
  { group: 'close', text: '感谢您的咨询，祝您生活愉快！' },
];
