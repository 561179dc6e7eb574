// SPDX-License-Identifier: Apache-2.0
// Asio, Asio SSL and Beast compiled once for the whole project (BOOST_*_SEPARATE_COMPILATION):
// on 2 CI cores this is the single largest build-time saving (Boost.MySQL does the same).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
