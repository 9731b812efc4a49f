#pragma once
// Password hashing (argon2id through libsodium) and bearer tokens. Tokens are
// random; only their SHA-256 is stored, so a leaked database holds no usable
// token.

#include <string>

namespace kefu::app {

// Throws std::runtime_error if libsodium cannot start.
void init_crypto();

// crypto_pwhash_str (argon2id). Slow on purpose: call from the DB pool.
std::string hash_password(std::string const& password);
bool verify_password(std::string const& hash, std::string const& password);

std::string new_token();                           // 32 random bytes, hex
std::string token_hash(std::string const& token);  // hex SHA-256
std::string random_hex(std::size_t bytes);

// Constant-time comparison for secrets such as channel keys.
bool secret_equal(std::string const& a, std::string const& b);

}  // namespace kefu::app
