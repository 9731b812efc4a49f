#include "server/core/compliance/detectors.hpp"

#define BOOST_TEST_MODULE compliance_detectors
#include <boost/test/unit_test.hpp>

namespace cc = kefu::compliance;

BOOST_AUTO_TEST_CASE(luhn) {
  BOOST_TEST(cc::luhn_valid("4111111111111111"));
  BOOST_TEST(!cc::luhn_valid("4111111111111112"));
  BOOST_TEST(cc::luhn_valid("6222020200001234564") == false);
  BOOST_TEST(cc::luhn_valid("79927398713"));
  BOOST_TEST(!cc::luhn_valid(""));
  BOOST_TEST(!cc::luhn_valid("4111-1111"));
}

BOOST_AUTO_TEST_CASE(bank_cards_need_length_luhn_and_issuer) {
  BOOST_TEST(cc::bank_card_number("4111111111111111"));
  BOOST_TEST(cc::bank_card_number("6222020200001234562"));
  BOOST_TEST(!cc::bank_card_number("6222020200001234567"));  // Luhn fails
  BOOST_TEST(!cc::bank_card_number("411111111111116"));      // 15 digits
  BOOST_TEST(!cc::bank_card_number("11111111111111116"));    // Luhn-valid, no issuer prefix
  BOOST_TEST(!cc::bank_card_number("3721456987412365"));
}

BOOST_AUTO_TEST_CASE(mobile_numbers) {
  BOOST_TEST(cc::mobile_number("13800138000") == "13800138000");
  BOOST_TEST(cc::mobile_number("8613800138000") == "13800138000");
  BOOST_TEST(cc::mobile_number("008613800138000") == "13800138000");
  BOOST_TEST(cc::mobile_number("138001380001").empty());  // 12 digits
  BOOST_TEST(cc::mobile_number("1380013800").empty());    // 10 digits
  BOOST_TEST(cc::mobile_number("12800138000").empty());   // 12x is not a mobile prefix
  BOOST_TEST(cc::mobile_number("23800138000").empty());
}

BOOST_AUTO_TEST_CASE(landlines_and_service_numbers) {
  BOOST_TEST(cc::landline_number("057188886666"));
  BOOST_TEST(cc::landline_number("01088886666"));
  BOOST_TEST(cc::landline_number("02166668888"));
  BOOST_TEST(cc::landline_number("4008208820"));
  // Subscriber numbers starting with 1 only where the caller says an example may stand.
  BOOST_TEST(!cc::landline_number("01012345678"));
  BOOST_TEST(cc::landline_number("01012345678", true));
  BOOST_TEST(cc::landline_number("075512345678", true));
  BOOST_TEST(!cc::landline_number("01002345678", true));
  BOOST_TEST(!cc::landline_number("0571"));
  BOOST_TEST(!cc::landline_number("13800138000"));
  BOOST_TEST(!cc::landline_number("00000000000"));
}

BOOST_AUTO_TEST_CASE(qq_numbers) {
  BOOST_TEST(cc::qq_number("12345"));
  BOOST_TEST(cc::qq_number("12345678901"));
  BOOST_TEST(!cc::qq_number("1234"));
  BOOST_TEST(!cc::qq_number("123456789012"));
  BOOST_TEST(!cc::qq_number("01234567"));
}

BOOST_AUTO_TEST_CASE(contact_normalisation) {
  BOOST_TEST(cc::normalise_contact("400-028-8810") == "4000288810");
  BOOST_TEST(cc::normalise_contact("+86 138 0013 8000") == "13800138000");
  BOOST_TEST(cc::normalise_contact("Kefu@Example.COM") == "kefu@example.com");
  BOOST_TEST(cc::normalise_contact("Shop_2024") == "shop_2024");
}
